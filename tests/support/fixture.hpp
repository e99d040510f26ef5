// Reads the PyTorch reference fixtures written by tests/fixtures/generate.py.
// Format: per record, a line `name rank dims...` then a line of rank-product values.
#pragma once

#include <cstddef>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <ctnn/detail/xtensor.hpp>

namespace ctnn_test {

class fixture {
public:
    explicit fixture(const std::string& file) : path_(std::string(CTNN_FIXTURE_DIR) + "/" + file) {
        std::ifstream in(path_);
        if (!in) throw std::runtime_error("cannot open fixture " + path_);
        std::string header;
        while (std::getline(in, header)) {
            if (header.empty() || header[0] == '#') continue;
            std::istringstream h(header);
            record r;
            std::string name;
            std::size_t rank = 0;
            h >> name >> rank;
            std::size_t count = 1;
            for (std::size_t i = 0; i < rank; ++i) {
                std::size_t d = 0;
                h >> d;
                r.shape.push_back(d);
                count *= d;
            }
            std::string line;
            if (!std::getline(in, line)) throw std::runtime_error(path_ + ": " + name + " has no values");
            std::istringstream v(line);
            std::string token;
            while (v >> token) r.values.push_back(std::stod(token));
            if (r.values.size() != count)
                throw std::runtime_error(path_ + ": " + name + " has " + std::to_string(r.values.size())
                                         + " values, expected " + std::to_string(count));
            records_[name] = std::move(r);
        }
        if (records_.empty()) throw std::runtime_error("fixture " + path_ + " is empty");
    }

    bool has(const std::string& name) const { return records_.count(name) != 0; }

    template <class T, std::size_t N>
    ctnn::tensor<T, N> tensor(const std::string& name) const {
        const record& r = get(name);
        if (r.shape.size() != N)
            throw std::runtime_error(path_ + ": " + name + " has rank " + std::to_string(r.shape.size()));
        std::array<std::size_t, N> shape{};
        if constexpr (N > 0) std::copy(r.shape.begin(), r.shape.end(), shape.begin());  // N = 0: no storage
        auto t = ctnn::tensor<T, N>::from_shape(shape);
        std::copy(r.values.begin(), r.values.end(), t.begin());
        return t;
    }

    double scalar(const std::string& name) const {
        const record& r = get(name);
        if (r.values.size() != 1) throw std::runtime_error(path_ + ": " + name + " is not a scalar");
        return r.values[0];
    }

    const std::vector<double>& values(const std::string& name) const { return get(name).values; }

private:
    struct record {
        std::vector<std::size_t> shape;
        std::vector<double> values;
    };
    const record& get(const std::string& name) const {
        auto it = records_.find(name);
        if (it == records_.end()) throw std::runtime_error(path_ + ": no record " + name);
        return it->second;
    }
    std::string path_;
    std::map<std::string, record> records_;
};

}  // namespace ctnn_test
