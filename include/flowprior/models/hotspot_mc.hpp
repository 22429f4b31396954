#pragma once
// Slow Monte Carlo reference for gamma+p: sample hot-spot configurations, evaluate the full non-linear dipole
// amplitude N(r, b) = 1 - exp(-sum_i tau_i(r, b)) on a 2-D grid, integrate over r with the J/psi weight W(r), and
// Fourier transform by a direct DFT averaged over directions of Delta (docs/reference/physics.md §5). No ISH approximation:
// overlapping hot spots saturate together. Deterministic: configuration c draws from Rng(seed, stream_id({c})),
// results are reduced in configuration order, so any thread count gives the same numbers.
#include <cstdint>

#include "flowprior/core/types.hpp"
#include "flowprior/models/hotspot_ish.hpp"
#include "flowprior/models/jpsi_wave_function.hpp"

namespace flowprior {

struct HotspotMcOptions {
  int configurations = 400;
  int grid = 72;          // grid points per side; the box of each configuration covers every hot spot to 5 widths
  int directions = 8;     // directions of Delta in [0, pi) (|A(-Delta)| = |A(Delta)| for a real profile)
  int jackknife_blocks = 10;
  std::uint64_t seed = 1;
  int threads = 1;
  int radial_panels = 8;
  int radial_nodes = 6;
  double x0 = 1.7e-3;
  double jpsi_mass2 = 9.59;
  JpsiWaveFunctionOptions wave_function;
};

struct HotspotMcSummary {
  VectorXd t;                  // |t| [GeV^2]
  VectorXd coherent;           // dsigma/dt [GeV^-4]
  VectorXd incoherent;         // dsigma/dt [GeV^-4]
  VectorXd coherent_error;     // jackknife standard errors [GeV^-4]
  VectorXd incoherent_error;
};

// N_q must be an integer here (the number of hot spots per configuration). Error otherwise.
HotspotMcSummary hotspot_proton_mc(const HotspotParameters& parameters, double w, const VectorXd& t,
                                   const HotspotMcOptions& options = {});

}  // namespace flowprior
