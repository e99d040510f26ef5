// ctnn's expression language: terms as types, derivatives derived at compile time, printed
// formulas, and evaluation on xtensor expressions. docs/expressions.md is the tour.
#pragma once

#include "ctnn/expr/activation.hpp"
#include "ctnn/expr/derivative.hpp"
#include "ctnn/expr/evaluate.hpp"
#include "ctnn/expr/graph.hpp"
#include "ctnn/expr/rules.hpp"
#include "ctnn/expr/term.hpp"
#include "ctnn/expr/to_string.hpp"
