#pragma once
// Every purpose of a random stream, in one place: Rng(seed, stream_id({purpose, ...})) (core/rng.hpp). A purpose
// keeps its value forever (changing one changes every result drawn from it); within one family (one shape of
// stream_id below) no two purposes share a value.
// The values are the ones the streams had before they were gathered here; several spell their name in ASCII.
#include <cstdint>

namespace flowprior {

enum class StreamPurpose : std::uint64_t {
  // Persistent-sampling SMC (sampler/persistent.cpp): stream_id({purpose, iteration, step}).
  smc_warmup = 1,
  smc_resample = 2,
  smc_mutate = 3,
  smc_flow_train = 4,
  smc_posterior = 5,
  smc_evidence = 6,
  smc_evidence_round = 7,  // sampler/importance_evidence.cpp: stream_id({purpose, round}), round >= 1
  smc_evidence_pilot = 8,  // sampler/importance_evidence.cpp: stream_id({purpose}), the pilot that sizes the rounds
  smc_flow_subsample = 9,  // stream_id({purpose, iteration}): the flow's training rows when more than flow_max_rows are needed
  smc_evidence_second = 10,  // sampler/importance_evidence.cpp: stream_id({purpose, round}), the second batch's rounds
  // Workflow sub-runs (workflow/run_context.hpp): stream_id({config seed, purpose, index}).
  stage = 1,
  stage_flow = 2,
  joint = 3,
  b_alone = 4,
  mixture_check = 5,
  comparison = 6,
  lost_mode_draws = 7,
  reverse_stage = 8,
  reverse_flow = 9,
  model_emulators = 10,
  emulator_design = 11,  // stream_id({emulator seed, purpose, system})
  // Flow training (flow/train.cpp): stream_id({purpose, epoch}).
  flow_split = 0x5117,
  flow_init = 0x1417,
  flow_shuffle = 0x5eed,
  flow_ensemble_member = 0xe45e3b1e,  // flow/flow_on_box.cpp: member seeds
  flow_sample = 0x666c6f7773616d70,   // "flowsamp": `flowprior flow sample` and Python's Flow.sample
  flow_check = 0x666c6f77636865,      // "flowche": `flowprior flow check`
  // Workflow runs and checks.
  walker_start = 0x5747,              // ensemble walkers' starting points of a workflow run
  pseudo_data_noise = 0x9d,           // stream_id({purpose, fnv1a(dataset name)})
  predictive = 0x707265640a,          // "pred": posterior predictive draws
  // Ensemble sampler and its command line.
  ensemble_step = 0x656e73656d626c65,  // "ensemble"
  ensemble_init = 0x696e6974,          // "init": `flowprior sample` walkers' starts
  // Metrics, designs, models.
  moments = 0x6d6f6d656e7473,  // "moments"
  resample = 0x7265736d706c,   // "resmpl"
  halves = 0x68616c766573,     // "halves"
  c2st = 0x63327374,           // "c2st"
  latin_hypercube = 0x4c4853,  // "LHS"
  hotspot_mc = 0x4d43,         // "MC"
  second_wave = 0x327776,      // "2wv": design points drawn from a pilot posterior (workflow/second_wave.hpp)
  error_ratio_points = 0x657272,  // "err": posterior points of the emulator-to-data error ratio
};

constexpr std::uint64_t purpose_id(StreamPurpose p) { return static_cast<std::uint64_t>(p); }

}  // namespace flowprior
