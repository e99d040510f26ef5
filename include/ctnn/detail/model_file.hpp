// The saved-model format (docs/saving.md): a 24-byte header (magic, version, payload size,
// CRC-32 of the payload), then the network's signature, the training policies, and the data,
// all little-endian. Loading parses and checks the whole file before it writes a single weight.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/byte_io.hpp"
#include "ctnn/detail/crc32.hpp"
#include "ctnn/detail/finite_check.hpp"
#include "ctnn/detail/network_visit.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/optim/parameter_state.hpp"

namespace ctnn::detail::model_file {

/// PNG's trick: a non-ASCII first byte and a CR LF pair catch text-mode transfers.
inline constexpr std::array<std::uint8_t, 8> magic{0x89, 'C', 'T', 'N', 'N', '\r', '\n', 0x1A};
inline constexpr std::uint32_t version = 1;
/// magic (8), version (u32), payload size (u64), CRC-32 of the payload (u32).
inline constexpr std::size_t header_size = 24;
/// A parameter's optimizer state is saved with a one-byte mask: bit k set, buffer k follows.
inline constexpr std::size_t max_state_buffers = 8;

struct tensor_entry {
    std::string name;
    std::string dtype;  // "float32", "float64" or "int64"
    std::vector<std::uint64_t> shape;
};

struct layer_entry {
    std::string kind;
    std::uint64_t input_width = 0;
    std::uint64_t output_width = 0;
    std::string activation;  // empty for layers without one
    std::vector<tensor_entry> parameters;
    std::vector<tensor_entry> buffers;
};

struct network_signature {
    std::string scalar;
    std::uint64_t input_width = 0;
    std::vector<layer_entry> layers;
};

struct training_entry {
    std::string optimizer, loss, clip, schedule, regularizer;
    std::uint64_t epochs = 0;
    std::uint64_t steps = 0;
    double lr = 0.0;
    std::size_t lr_offset = 0;  // where the learning rate is in the file (a refusal names it)
};

template <class Net>
network_signature signature_of(const Net& net) {
    network_signature s{std::string(dtype_name<typename Net::scalar>()), Net::input_width, {}};
    net.for_each_layer([&](const auto& layer) {
        using L = std::remove_cvref_t<decltype(layer)>;
        layer_entry e{std::string(layer_kind<L>()), L::input_width, L::output_width,
                      saved_activation<L>(), {}, {}};
        for_each_named_parameter_of(layer, [&](std::string_view name, const auto& p) {
            e.parameters.push_back({std::string(name), std::string(dtype_name<typename Net::scalar>()),
                                    shape_of(p.value)});
        });
        for_each_buffer_of(layer, [&](std::string_view name, const auto& b) {
            using E = std::remove_const_t<typename decltype(elements_of(b))::element_type>;
            e.buffers.push_back({std::string(name), std::string(dtype_name<E>()), shape_of(b)});
        });
        s.layers.push_back(std::move(e));
    });
    return s;
}

template <class Trainer>
training_entry training_of(Trainer& t) {
    return {std::string(Trainer::optimizer_type::name), std::string(Trainer::loss_type::name),
            std::string(Trainer::clip_type::name),      std::string(Trainer::schedule_type::name),
            std::string(Trainer::regularizer_type::name), t.epochs(), t.steps(), t.optimizer().lr};
}

// ---------------------------------------------------------------------------------- writing

inline void write_tensor_entry(byte_writer& w, const tensor_entry& t, bool with_dtype) {
    w.put_string(t.name);
    if (with_dtype) w.put_string(t.dtype);
    w.put(std::uint8_t(t.shape.size()));
    for (const auto d : t.shape) w.put(d);
}

/// The network's signature: scalar type, input width, and each layer's kind, widths, activation,
/// parameters and buffers.
inline void write_signature(byte_writer& w, const network_signature& s) {
    w.put_string(s.scalar);
    w.put(s.input_width);
    w.put(std::uint32_t(s.layers.size()));
    for (std::size_t i = 0; i < s.layers.size(); ++i) {
        const layer_entry& l = s.layers[i];
        w.put_string(l.kind);
        w.put(std::uint32_t(i));
        w.put(l.input_width);
        w.put(l.output_width);
        w.put_string(l.activation);
        w.put(std::uint32_t(l.parameters.size()));
        for (const auto& p : l.parameters) write_tensor_entry(w, p, false);
        w.put(std::uint32_t(l.buffers.size()));
        for (const auto& b : l.buffers) write_tensor_entry(w, b, true);
    }
}

/// The whole file. `trainer` may be null (Trainer = void): then no optimizer state is written.
template <class Net, class Trainer>
std::vector<std::uint8_t> serialize(const Net& net, Trainer* trainer) {
    using T = typename Net::scalar;
    byte_writer w;
    w.put_bytes(magic.data(), magic.size());
    w.put(version);
    w.put(std::uint64_t(0));  // payload size, patched below
    w.put(std::uint32_t(0));  // checksum, patched below

    write_signature(w, signature_of(net));

    w.put(std::uint8_t(trainer != nullptr));
    if constexpr (!std::is_void_v<Trainer>) {
        if (trainer) {
            const training_entry t = training_of(*trainer);
            for (const auto& name : {t.optimizer, t.loss, t.clip, t.schedule, t.regularizer}) w.put_string(name);
            w.put(t.epochs);
            w.put(t.steps);
            w.put(t.lr);
        }
    }

    net.for_each_layer([&](const auto& layer) {
        for_each_named_parameter_of(layer, [&](std::string_view, const auto& p) {
            w.put_all(p.value.data(), p.value.size());
        });
        for_each_buffer_of(layer, [&](std::string_view, const auto& b) {
            const auto e = elements_of(b);
            w.put_all(e.data(), e.size());
        });
    });
    if constexpr (!std::is_void_v<Trainer>) {
        if (trainer) {
            static_assert(optim::state_buffer_count<typename Trainer::optimizer_type> <= max_state_buffers,
                          "ctnn: a model file holds at most 8 optimizer state buffers per parameter");
            // state built for weights the network no longer holds is written as the next step
            // would find it: afresh
            const auto states = std::as_const(*trainer).optimizer_state();
            const bool current = trainer->optimizer_state_is_current();
            const typename Trainer::optimizer_state_type fresh{};
            std::size_t i = 0;
            net.for_each_parameter([&](const auto& p) {
                const auto& s = current ? states[i] : fresh;
                ++i;
                w.put(std::int64_t(s.steps));
                w.put(double(s.product));
                std::uint8_t mask = 0;
                for (std::size_t k = 0; k < s.buffers.size(); ++k)
                    if (s.holds(k, p.size())) mask = std::uint8_t(mask | (1u << k));
                w.put(mask);
                for (std::size_t k = 0; k < s.buffers.size(); ++k)
                    if (mask & (1u << k)) w.put_all(s.buffers[k].data(), s.buffers[k].size());
            });
        }
    }
    static_assert(std::is_floating_point_v<T>);

    const std::size_t payload = w.size() - header_size;
    w.patch(12, std::uint64_t(payload));
    w.patch(20, crc32(w.bytes().data() + header_size, payload));
    return std::move(w.bytes());
}

/// Empty, or the first value of `net` that is NaN or ±inf (a parameter, then the optimizer
/// state of `trainer` unless Trainer is void, then a buffer): load refuses a file that holds
/// one, so save refuses to write it.
template <class Net, class Trainer>
std::string first_non_finite_to_save(const Net& net, Trainer* trainer) {
    std::string found;
    if constexpr (!std::is_void_v<Trainer>)  // the parameters, then their optimizer state
        found = first_non_finite_parameter(net,
                                           trainer->optimizer_state_is_current()
                                               ? std::as_const(*trainer).optimizer_state()
                                               : decltype(std::as_const(*trainer).optimizer_state()){},
                                           Trainer::optimizer_type::state_names, "is");
    else
        found = first_non_finite_in(net, std::size_t(-1), {}, {}, 0, "is");
    if (!found.empty()) return found;
    net.for_each_layer_indexed([&](const auto& layer, auto index) {
        using L = std::remove_cvref_t<decltype(layer)>;
        for_each_buffer_of(layer, [&](std::string_view name, const auto& b) {
            const auto e = elements_of(b);
            using E = std::remove_const_t<typename decltype(e)::element_type>;
            if constexpr (std::is_floating_point_v<E>) {
                const E* bad = first_non_finite(e.data(), e.size());
                if (found.empty() && bad != e.data() + e.size())
                    found = describe_non_finite(index, layer_kind<L>(), "buffer " + std::string(name), {},
                                                std::size_t(bad - e.data()), double(*bad), "is");
            }
        });
    });
    return found;
}

/// The most bytes a file saved from `net` can hold: its header and signature, every value and
/// buffer, an optimizer state of `state_buffers` buffers per parameter (any optimizer's unless
/// the loading trainer's is known), and 64 KiB for the training section's policy names and
/// counters. A longer file cannot be this network's, so load refuses it unread.
template <class Net>
std::uint64_t largest_file(const Net& net, std::size_t state_buffers = max_state_buffers) {
    byte_writer w;
    write_signature(w, signature_of(net));
    std::uint64_t size = header_size + w.size() + 1 + (std::uint64_t(1) << 16);
    net.for_each_layer([&](const auto& layer) {
        for_each_buffer_of(layer, [&](std::string_view, const auto& b) {
            const auto e = elements_of(b);
            size += e.size() * sizeof(typename decltype(e)::element_type);
        });
    });
    net.for_each_parameter([&](const auto& p) {
        using P = std::remove_cvref_t<decltype(p)>;
        size += p.value.size() * sizeof(typename P::scalar) * (1 + state_buffers) + 8 + 8 + 1;
    });
    return size;
}

// ---------------------------------------------------------------------------------- reading

/// At most 40 characters of a string from the file, with anything unprintable escaped.
inline std::string printable(std::string_view s) {
    std::string out;
    for (const char c : s.substr(0, 40)) {
        if (c >= 0x20 && c < 0x7F) {
            out += c;
        } else {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02X", unsigned(static_cast<unsigned char>(c)));
            out += hex;
        }
    }
    return s.size() > 40 ? out + "..." : out;
}

/// The file's and the network's descriptions of one thing, each from a little before their
/// first difference when one is longer than printable shows: a block's description (its inner
/// layers) is long, and the difference can lie deep inside it.
inline std::pair<std::string, std::string> around_first_difference(std::string_view in_file,
                                                                   std::string_view in_net) {
    if (in_file.size() <= 40 && in_net.size() <= 40) return {printable(in_file), std::string(in_net)};
    std::size_t first = 0;
    while (first < in_file.size() && first < in_net.size() && in_file[first] == in_net[first]) ++first;
    const std::size_t from = first > 16 ? first - 16 : 0;
    const auto from_there = [&](std::string_view s) {
        return (from ? "..." : "") + printable(s.substr(std::min(from, s.size())));
    };
    return {from_there(in_file), from_there(in_net)};
}

struct parsed_file {
    network_signature network;
    std::optional<training_entry> training;
    /// A reader positioned at the data section.
    byte_reader data;
};

/// A record count, refused when the bytes left cannot hold that many records of at least
/// `min_record_size` bytes (so a corrupted count cannot make the parser allocate without bound).
inline std::uint32_t read_count(byte_reader& r, std::string_view what, std::size_t min_record_size) {
    const auto count = r.get<std::uint32_t>(what);
    if (count > r.remaining() / min_record_size)
        r.fail("the file is truncated or corrupted: " + std::string(what) + " is " + std::to_string(count) + ", but only "
               + std::to_string(r.remaining()) + " bytes remain");
    return count;
}

inline tensor_entry read_tensor_entry(byte_reader& r, bool with_dtype, std::string_view scalar) {
    tensor_entry t;
    t.name = r.get_string("a tensor name");
    t.dtype = with_dtype ? std::string(r.get_string("a buffer's element type")) : std::string(scalar);
    const auto rank = r.get<std::uint8_t>("a tensor rank");
    for (std::uint8_t k = 0; k < rank; ++k) t.shape.push_back(r.get<std::uint64_t>("a tensor dimension"));
    return t;
}

/// Checks the header and the checksum, then reads the signature and the training policies.
inline parsed_file parse(std::span<const std::uint8_t> file, const std::string& context) {
    const auto fail = [&](const std::string& reason) { throw format_error(context + ": " + reason); };
    if (!std::equal(magic.begin(), magic.begin() + std::ptrdiff_t(std::min(file.size(), magic.size())),
                    file.begin()))
        fail("not a ctnn model file (its first bytes are not the magic number \\x89CTNN\\r\\n\\x1A)");
    if (file.size() < header_size)
        fail("the file is truncated: " + std::to_string(file.size()) + " bytes, but a model file starts with a "
             + std::to_string(header_size) + "-byte header");
    byte_reader header(file.subspan(0, header_size), context);
    header.take(magic.size(), "the magic number");
    const auto file_version = header.get<std::uint32_t>("the format version");
    if (file_version != version)
        fail("format version " + std::to_string(file_version) + ", but this ctnn reads version "
             + std::to_string(version) + (file_version > version ? " (the file is newer)" : ""));
    const auto payload_size = header.get<std::uint64_t>("the payload size");
    const auto stored_crc = header.get<std::uint32_t>("the checksum");
    const std::size_t available = file.size() - header_size;
    const auto bytes = [](std::uint64_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); };
    if (payload_size > available)
        fail("the file is truncated (or its header's payload size corrupted): the header announces "
             + bytes(payload_size) + " of payload, " + std::to_string(available) + " follow it");
    if (payload_size < available)
        fail("the file is corrupted: " + bytes(available - payload_size) + " follow the announced end of the payload");
    const auto payload = file.subspan(header_size);
    const auto crc = crc32(payload.data(), payload.size());
    if (crc != stored_crc) {
        char text[96];
        std::snprintf(text, sizeof text, "checksum mismatch (stored CRC-32 %08X, computed %08X)",
                      unsigned(stored_crc), unsigned(crc));
        fail("the file is corrupted: " + std::string(text));
    }

    byte_reader r(payload, context, header_size);
    parsed_file parsed{{}, std::nullopt, byte_reader({}, context)};
    network_signature& s = parsed.network;
    s.scalar = r.get_string("the scalar type");
    s.input_width = r.get<std::uint64_t>("the input width");
    const auto depth = read_count(r, "the number of layers", 36);
    for (std::uint32_t i = 0; i < depth; ++i) {
        layer_entry l;
        l.kind = r.get_string("a layer kind");
        const std::size_t index_at = r.offset();
        const auto index = r.get<std::uint32_t>("a layer index");
        if (index != i)
            r.fail_at("the file is corrupted: layer record " + std::to_string(i) + " holds index " + std::to_string(index),
                      index_at);
        l.input_width = r.get<std::uint64_t>("a layer's input width");
        l.output_width = r.get<std::uint64_t>("a layer's output width");
        l.activation = r.get_string("a layer's activation");
        const auto parameters = read_count(r, "a layer's number of parameters", 5);
        for (std::uint32_t k = 0; k < parameters; ++k) l.parameters.push_back(read_tensor_entry(r, false, s.scalar));
        const auto buffers = read_count(r, "a layer's number of buffers", 9);
        for (std::uint32_t k = 0; k < buffers; ++k) l.buffers.push_back(read_tensor_entry(r, true, s.scalar));
        s.layers.push_back(std::move(l));
    }
    const std::size_t flag_at = r.offset();
    const auto has_training = r.get<std::uint8_t>("the optimizer-state flag");
    if (has_training > 1)
        r.fail_at("the file is corrupted: optimizer-state flag " + std::to_string(has_training), flag_at);
    if (has_training) {
        training_entry t;
        for (auto* name : {&t.optimizer, &t.loss, &t.clip, &t.schedule, &t.regularizer})
            *name = r.get_string("a policy name");
        // Clocks past 2^53 are not exact in the doubles schedules compute with, and no
        // training takes that many steps.
        for (auto [count, what] : {std::pair{&t.epochs, "epoch"}, std::pair{&t.steps, "step"}}) {
            const std::size_t at = r.offset();
            *count = r.get<std::uint64_t>("the trainer's clocks");
            if (*count > (std::uint64_t(1) << 53))
                r.fail_at("the file is corrupted: the trainer's " + std::string(what) + " count "
                              + std::to_string(*count) + " is past 2^53",
                          at);
        }
        t.lr_offset = r.offset();
        t.lr = r.get<double>("the learning rate");
        parsed.training = std::move(t);
    }
    const std::size_t at = r.offset() - header_size;
    parsed.data = byte_reader(payload.subspan(at), context, header_size + at);
    return parsed;
}

inline std::string shape_text(const std::vector<std::uint64_t>& shape) {
    std::string s = "(";
    for (std::size_t k = 0; k < shape.size(); ++k) s += (k ? ", " : "") + std::to_string(shape[k]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

/// Throws format_error naming the first difference between the file's network and `net`.
inline void require_same_network(const network_signature& file, const network_signature& net,
                                 const std::string& context) {
    const auto differ = [&](const std::string& what, const std::string& in_file, const std::string& in_net) {
        throw format_error(context + ": the file holds another network: " + what + " " + in_file
                           + " in file, " + in_net + " in network");
    };
    if (file.scalar != net.scalar) differ("scalar type", printable(file.scalar), net.scalar);
    if (file.input_width != net.input_width)
        differ("input width", std::to_string(file.input_width), std::to_string(net.input_width));
    const std::size_t common = std::min(file.layers.size(), net.layers.size());
    for (std::size_t i = 0; i < common; ++i) {
        const layer_entry& f = file.layers[i];
        const layer_entry& n = net.layers[i];
        const std::string at = "layer " + std::to_string(i);
        if (f.kind != n.kind) differ(at + ": kind", printable(f.kind), n.kind);
        const std::string layer = at + " (" + n.kind + "):";
        // a block's inner layers: a file written before blocks recorded them has none to
        // compare (its parameters' names and shapes still are)
        const bool older_block = f.activation.empty() && n.activation.starts_with('[');
        if (f.activation != n.activation && !older_block) {
            const auto [in_file, in_net] = around_first_difference(f.activation.empty() ? "(none)" : f.activation,
                                                                   n.activation.empty() ? "(none)" : n.activation);
            differ(layer + " activation", in_file, in_net);
        }
        const auto compare_tensors = [&](const std::vector<tensor_entry>& fs, const std::vector<tensor_entry>& ns,
                                         const std::string& noun) {
            // the names both sides have first; then a count that differs, with every name
            for (std::size_t k = 0; k < std::min(fs.size(), ns.size()); ++k) {
                if (fs[k].name != ns[k].name)
                    differ(layer + " " + noun + " " + std::to_string(k) + " named", "'" + printable(fs[k].name) + "'",
                           "'" + ns[k].name + "'");
                if (fs[k].dtype != ns[k].dtype)
                    differ(layer + " " + ns[k].name + " element type", printable(fs[k].dtype), ns[k].dtype);
                if (fs[k].shape != ns[k].shape)
                    differ(layer + " " + ns[k].name + " shape", shape_text(fs[k].shape), shape_text(ns[k].shape));
            }
            if (fs.size() != ns.size()) {
                const auto names = [](const std::vector<tensor_entry>& ts) {
                    std::string s;
                    for (const auto& t : ts) s += (s.empty() ? "'" : ", '") + printable(t.name) + "'";
                    return " (" + s + ")";
                };
                differ(layer + " number of " + noun + "s", std::to_string(fs.size()) + names(fs),
                       std::to_string(ns.size()) + names(ns));
            }
        };
        compare_tensors(f.parameters, n.parameters, "parameter");
        compare_tensors(f.buffers, n.buffers, "buffer");
        if (f.input_width != n.input_width)
            differ(layer + " input width", std::to_string(f.input_width), std::to_string(n.input_width));
        if (f.output_width != n.output_width)
            differ(layer + " output width", std::to_string(f.output_width), std::to_string(n.output_width));
    }
    if (file.layers.size() != net.layers.size())
        differ("number of layers", std::to_string(file.layers.size()), std::to_string(net.layers.size()));
}

/// Decodes little-endian values that were bounds-checked when they were taken.
template <class E>
void decode(E* out, std::span<const std::uint8_t> bytes) noexcept {
    for (std::size_t i = 0; i < bytes.size() / sizeof(E); ++i) {
        bits_of<E> bits = 0;
        for (std::size_t b = sizeof(E); b-- > 0;) {
            if constexpr (sizeof(E) > 1) bits = bits_of<E>(bits << 8);
            bits = bits_of<E>(bits | bytes[i * sizeof(E) + b]);
        }
        out[i] = std::bit_cast<E>(bits);
    }
}

/// The index and value of the first element of `bytes` (little-endian E) that is NaN or ±inf;
/// nothing for an integer E or when every element is finite.
template <class E>
std::optional<std::pair<std::size_t, double>> first_non_finite_encoded(std::span<const std::uint8_t> bytes) noexcept {
    if constexpr (std::is_floating_point_v<E>) {
        for (std::size_t i = 0; i < bytes.size() / sizeof(E); ++i) {
            E value;
            decode(&value, bytes.subspan(i * sizeof(E), sizeof(E)));
            if (!std::isfinite(value)) return std::pair{i, double(value)};
        }
    }
    return std::nullopt;
}

/// Loads `file` into `net` (and the optimizer state and learning rate into `trainer` unless
/// Trainer is void). Everything is read and checked first; only then is anything written, by
/// steps that cannot fail, so on any error `net` and `trainer` are as they were.
template <class Net, class Trainer>
void load(std::span<const std::uint8_t> file, const std::string& context, Net& net, Trainer* trainer) {
    parsed_file parsed = parse(file, context);
    require_same_network(parsed.network, signature_of(std::as_const(net)), context);
    constexpr bool with_trainer = !std::is_void_v<Trainer>;
    if constexpr (with_trainer) {
        if (!parsed.training)
            throw format_error(context + ": the file holds no optimizer state (it was saved without a trainer); "
                               "load it into the network alone");
        const std::string_view optimizer = Trainer::optimizer_type::name;
        if (parsed.training->optimizer != optimizer)
            throw format_error(context + ": the file holds the state of another optimizer: "
                               + printable(parsed.training->optimizer) + " in file, " + std::string(optimizer)
                               + " in trainer");
    }

    byte_reader& r = parsed.data;
    std::vector<std::function<void()>> commits;
    // A value that is NaN or ±inf is refused like a corrupted byte: save never writes one.
    const auto refuse_non_finite = [&](const std::string& what, std::size_t at) {
        r.fail_at("the file is corrupted: " + what + "; save writes only finite values", at);
    };
    net.for_each_layer_indexed([&](auto& layer, auto index) {
        using L = std::remove_cvref_t<decltype(layer)>;
        for_each_named_parameter_of(layer, [&](std::string_view name, auto& p) {
            using E = typename std::remove_reference_t<decltype(p)>::scalar;
            const auto bytes = r.take(p.value.size() * sizeof(E), "a parameter's values");
            if (const auto bad = first_non_finite_encoded<E>(bytes))
                refuse_non_finite(describe_non_finite(index, layer_kind<L>(), name, {}, bad->first, bad->second, "is"),
                                  r.offset() - bytes.size() + bad->first * sizeof(E));
            commits.push_back([&p, bytes] { decode(p.value.data(), bytes); });
        });
        for_each_buffer_of(layer, [&](std::string_view name, auto& b) {
            const auto e = elements_of(b);
            using E = typename decltype(e)::element_type;
            const auto bytes = r.take(e.size() * sizeof(E), "a buffer's values");
            if (const auto bad = first_non_finite_encoded<std::remove_const_t<E>>(bytes))
                refuse_non_finite(describe_non_finite(index, layer_kind<L>(), "buffer " + std::string(name), {},
                                                      bad->first, bad->second, "is"),
                                  r.offset() - bytes.size() + bad->first * sizeof(E));
            commits.push_back([e, bytes] { decode(e.data(), bytes); });
        });
    });
    // Optimizer state: restored with a trainer, checked and skipped without one.
    constexpr std::size_t buffers = [] {
        if constexpr (with_trainer)
            return optim::state_buffer_count<typename Trainer::optimizer_type>;
        else
            return max_state_buffers;  // whatever optimizer saved it: skipped
    }();
    const std::string optimizer_name = parsed.training ? printable(parsed.training->optimizer) : std::string();
    std::size_t parameter_index = 0;
    net.for_each_parameter([&](auto& p) {
        using P = std::remove_reference_t<decltype(p)>;
        std::array<tensor<typename P::scalar, 1>, buffers> state_buffers{};
        std::int64_t steps = 0;
        double product = 1.0;
        if (parsed.training) {
            std::size_t at = r.offset();
            steps = r.get<std::int64_t>("an optimizer step count");
            // Beyond 2^53 a step count is no longer exact in the double the bias corrections
            // use, and near INT64_MAX the next step would overflow.
            if (steps < 0 || steps > (std::int64_t(1) << 53))
                r.fail_at("the file is corrupted: optimizer step count " + std::to_string(steps) + " outside [0, 2^53]",
                          at);
            at = r.offset();
            product = r.get<double>("an optimizer product");
            if (!(product > 0.0 && product <= 1.0))  // a product of factors in (0, 1]: NAdam's μ
                r.fail_at("the file is corrupted: optimizer product " + std::to_string(product) + " outside (0, 1]",
                          at);
            at = r.offset();
            const unsigned mask = r.get<std::uint8_t>("an optimizer state mask");
            if (mask >> buffers)
                r.fail_at("the file is corrupted: optimizer state mask " + std::to_string(mask) + " names buffers the "
                       + optimizer_name + " optimizer does not keep (it keeps " + std::to_string(buffers) + ")",
                          at);
            for (std::size_t k = 0; k < buffers; ++k) {
                if (!(mask & (1u << k))) continue;
                if constexpr (with_trainer) {
                    state_buffers[k] = tensor<typename P::scalar, 1>::from_shape({p.size()});
                    r.get_all(state_buffers[k].data(), p.size(), "optimizer state buffers");
                    const auto* first = state_buffers[k].data();
                    if (const auto* bad = first_non_finite(first, p.size()); bad != first + p.size()) {
                        const auto element = std::size_t(bad - first);
                        refuse_non_finite(first_non_finite_in(std::as_const(net), parameter_index,
                                                              Trainer::optimizer_type::state_names[k], element,
                                                              double(*bad), "is"),
                                          r.offset() - (p.size() - element) * sizeof(*bad));
                    }
                } else {
                    r.get_all(static_cast<typename P::scalar*>(nullptr), p.size(), "optimizer state buffers");
                }
            }
        }
        if constexpr (with_trainer) {
            auto& state = trainer->optimizer_state()[parameter_index];
            commits.push_back([&state, state_buffers = std::move(state_buffers), steps, product]() mutable {
                state.buffers = std::move(state_buffers);
                state.steps = steps;
                state.product = product;
            });
        }
        ++parameter_index;
    });
    if (r.remaining() != 0)
        r.fail("the file is corrupted: " + std::to_string(r.remaining()) + " bytes follow the last tensor");
    if constexpr (with_trainer) {
        const double lr = parsed.training->lr;
        auto with_file_lr = trainer->optimizer();
        with_file_lr.lr = lr;
        try {
            with_file_lr.validate();
        } catch (const invalid_argument& e) {
            r.fail_at(std::string("the file's learning rate is refused: ") + e.what(), parsed.training->lr_offset);
        }
        const auto epochs = parsed.training->epochs, steps = parsed.training->steps;
        commits.push_back([trainer, lr, epochs, steps] {
            trainer->optimizer().lr = lr;
            trainer->resume_clocks(epochs, steps);
        });
    }
    for (auto& commit : commits) commit();
    net.note_weights_replaced();  // a trainer of net starts its optimizer state afresh...
    if constexpr (with_trainer) trainer->adopt_current_weights();  // ...except the one loaded here
}

}  // namespace ctnn::detail::model_file
