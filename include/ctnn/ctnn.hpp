// ctnn: compile-time neural networks. The umbrella header: everything public — ctnn/core.hpp
// and saving and loading, data loaders, metrics, the gradient-health monitor, fit callbacks.
#pragma once

#include "ctnn/core.hpp"
#include "ctnn/expr.hpp"  // to_string of formulas and derivatives

#include "ctnn/layers/expression_layer.hpp"
#include "ctnn/layers/graph_layer.hpp"
#include "ctnn/layers/recurrent_cell.hpp"

#include "ctnn/monitor/event_kind.hpp"
#include "ctnn/monitor/gradient_health.hpp"
#include "ctnn/monitor/health_event.hpp"
#include "ctnn/monitor/layer_health.hpp"
#include "ctnn/monitor/step_health.hpp"

#include "ctnn/io/layer_summary.hpp"
#include "ctnn/io/load.hpp"
#include "ctnn/io/load_npz.hpp"
#include "ctnn/io/save.hpp"
#include "ctnn/io/save_npy.hpp"
#include "ctnn/io/save_npz.hpp"
#include "ctnn/io/summary.hpp"
#include "ctnn/io/write_history_csv.hpp"

#include "ctnn/data/csv.hpp"
#include "ctnn/data/dataset.hpp"
#include "ctnn/data/idx.hpp"
#include "ctnn/data/normalize.hpp"
#include "ctnn/data/read_limits.hpp"
#include "ctnn/data/standardizer.hpp"

#include "ctnn/metrics/accuracy.hpp"
#include "ctnn/metrics/binary_accuracy.hpp"
#include "ctnn/metrics/confusion_matrix.hpp"
#include "ctnn/metrics/mean_absolute_error.hpp"
#include "ctnn/metrics/roc_auc.hpp"

#include "ctnn/train/checkpoint.hpp"
#include "ctnn/train/early_stopping.hpp"
#include "ctnn/train/watch.hpp"
