#pragma once
// An earlier posterior brought from elsewhere (`[[stages]] posterior = "FILE"`, issue 17): the stage is not sampled,
// its particles are read from
//   - a CSV of samples: one column per parameter of [parameters] (matched by name), optional `weight` and
//     `log_density` (the log target density, for the KL and Jeffreys losses of the hand-over);
//   - an emcee HDF5 chain (emcee's HDFBackend layout, written by emcee or by flowprior): the draws after `discard`
//     steps, every `thin`-th, flattened; columns in the order of [parameters]; log_prob as log_density;
//   - a flow file (`flowprior flow train`): the flow is the next stage's prior as it is (no training); the stage's
//     particles are draws of it.
// The stage's files are written into the run folder like a sampled run's (NAME.csv, NAME_posterior.csv, ...), so
// the report and the predictive check see it. Checks that need the stage's likelihood say they do not apply.
#include <cstdint>
#include <memory>
#include <string>

#include "flowprior/core/box.hpp"
#include "flowprior/density/flow_prior.hpp"
#include "flowprior/workflow/stage_runner.hpp"

namespace flowprior {

struct ImportedPosterior {
  RunOutput run;
  std::shared_ptr<const FlowPrior> flow;  // a flow file: the flow itself
};

// Error naming the file and what is wrong (columns, rows outside the box, too few draws after discard).
ImportedPosterior import_posterior(const std::string& name, const std::string& file, Index discard, Index thin,
                                   const Box& box, std::uint64_t seed);

}  // namespace flowprior
