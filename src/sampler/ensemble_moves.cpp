#include "sampler/ensemble_moves.hpp"

#include <cmath>
#include <sstream>

#include "flowprior/core/error.hpp"

namespace flowprior {
namespace {

const char* kind_name(MoveKind kind) {
  switch (kind) {
    case MoveKind::stretch: return "stretch";
    case MoveKind::de: return "de";
    case MoveKind::de_snooker: return "de-snooker";
    case MoveKind::walk: return "walk";
  }
  return "?";
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

std::vector<Move> parse_moves(const std::string& spec) {
  std::vector<Move> moves;
  std::stringstream in(spec);
  std::string item;
  while (std::getline(in, item, ',')) {
    item = trim(item);
    const ErrorContext where{.parameter = "moves"};
    if (item.empty()) throw Error(where, "empty move in '" + spec + "'");
    Move move;
    std::string name = item;
    if (const auto colon = item.find(':'); colon != std::string::npos) {
      name = trim(item.substr(0, colon));
      const std::string w = trim(item.substr(colon + 1));
      std::size_t used = 0;
      try {
        move.weight = std::stod(w, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != w.size() || !(move.weight > 0) || !std::isfinite(move.weight))
        throw Error(where, "move '" + item + "': weight must be a positive number");
    }
    if (name == "stretch") move.kind = MoveKind::stretch;
    else if (name == "de") move.kind = MoveKind::de;
    else if (name == "de-snooker" || name == "snooker") move.kind = MoveKind::de_snooker;
    else if (name == "walk") move.kind = MoveKind::walk;
    else throw Error(where, "unknown move '" + name + "' (known: stretch, de, de-snooker, walk)");
    moves.push_back(move);
  }
  if (moves.empty()) throw Error(ErrorContext{.parameter = "moves"}, "no move given");
  return moves;
}

std::string to_string(const std::vector<Move>& moves) {
  std::ostringstream out;
  out.precision(17);
  for (std::size_t i = 0; i < moves.size(); ++i) out << (i ? "," : "") << kind_name(moves[i].kind) << ':' << moves[i].weight;
  return out.str();
}

namespace detail {

int move_splits(const Move& move) { return move.kind == MoveKind::de_snooker ? 4 : 2; }

int move_min_complement(const Move& move) { return move.kind == MoveKind::stretch ? 1 : 2; }

void propose(const Move& move, const MatrixXd& positions, const std::vector<std::vector<Index>>& groups, int g,
             Rng& rng, std::vector<Index>& others, MatrixXd& q, VectorXd& f) {
  const std::vector<Index>& active = groups[static_cast<std::size_t>(g)];
  const Index n = static_cast<Index>(active.size());
  const Index d = positions.cols();
  others.clear();
  for (std::size_t h = 0; h < groups.size(); ++h)
    if (static_cast<int>(h) != g) others.insert(others.end(), groups[h].begin(), groups[h].end());
  q.resize(n, d);
  f.setZero(n);
  switch (move.kind) {
    case MoveKind::stretch: {
      // Goodman & Weare: z has density ~ z^(-1/2) on [1/a, a]; z^(D-1) restores detailed balance. The draws are
      // taken walker by walker (the stream's order), the n logs afterwards in one vectorised call.
      // Raw column-major pointers: element (i, c) of a matrix with r rows is data[c * r + i].
      const Index w = positions.rows();
      const double* x = positions.data();
      double* qk = q.data();
      for (Index k = 0; k < n; ++k) {
        const Index j = others[rng.index(others.size())];
        const double u = rng.uniform();
        const double z = std::pow((move.a - 1.0) * u + 1.0, 2) / move.a;
        const Index i = active[static_cast<std::size_t>(k)];
        for (Index c = 0; c < d; ++c) qk[c * n + k] = x[c * w + j] + z * (x[c * w + i] - x[c * w + j]);
        f(k) = z;
      }
      f.array() = static_cast<double>(d - 1) * f.array().log();
      break;
    }
    case MoveKind::de: {
      // Relative jitter on gamma keeps the move affine invariant (emcee's later DEMove).
      const double g0 = move.gamma0 > 0 ? move.gamma0 : 2.38 / std::sqrt(2.0 * static_cast<double>(d));
      const auto m = static_cast<std::uint64_t>(others.size());
      for (Index k = 0; k < n; ++k) {
        const std::uint64_t a = rng.index(m);
        std::uint64_t b = rng.index(m - 1);
        if (b >= a) ++b;  // an ordered pair of distinct walkers
        const double gamma = g0 * (1.0 + move.sigma * rng.normal());
        q.row(k) = positions.row(active[k]) + gamma * (positions.row(others[a]) - positions.row(others[b]));
      }
      break;
    }
    case MoveKind::de_snooker: {
      // ter Braak & Vrugt (2008): move along the line through an anchor z by the projected difference of two
      // other walkers; factor ||y - z||^(D-1) / ||x - z||^(D-1). (emcee 3.1.4 scales u by 1/sqrt(norm) and
      // halves the factor; we follow the paper.)
      std::vector<const std::vector<Index>*> complements;  // the three other groups, in order
      for (std::size_t h = 0; h < groups.size(); ++h)
        if (static_cast<int>(h) != g) complements.push_back(&groups[h]);
      for (Index k = 0; k < n; ++k) {
        Index pick[3];
        for (int c = 0; c < 3; ++c) pick[c] = (*complements[c])[rng.index(complements[c]->size())];
        for (int i = 2; i > 0; --i) std::swap(pick[i], pick[rng.index(static_cast<std::uint64_t>(i) + 1)]);
        const RowVectorXd x = positions.row(active[k]);
        const RowVectorXd z = positions.row(pick[0]);
        const RowVectorXd delta = x - z;
        const double norm = delta.norm();
        if (!(norm > 0)) {  // x sits on the anchor: no direction, propose staying put (always rejected as a no-op)
          q.row(k) = x;
          f(k) = 0;
          continue;
        }
        const RowVectorXd u = delta / norm;
        const double step = move.gamma_snooker * u.dot(positions.row(pick[1]) - positions.row(pick[2]));
        q.row(k) = x + step * u;
        f(k) = static_cast<double>(d - 1) * (std::log((q.row(k) - z).norm()) - std::log(norm));
      }
      break;
    }
    case MoveKind::walk: {
      // Gaussian step with the complement's sample covariance (all complement walkers, as emcee's default).
      MatrixXd c(static_cast<Index>(others.size()), d);
      for (Index i = 0; i < c.rows(); ++i) c.row(i) = positions.row(others[i]);
      const MatrixXd centred = c.rowwise() - c.colwise().mean();
      const MatrixXd cov = centred.transpose() * centred / static_cast<double>(c.rows() - 1);
      Eigen::SelfAdjointEigenSolver<MatrixXd> eig(cov);
      const MatrixXd root = eig.eigenvectors() * eig.eigenvalues().cwiseMax(0.0).cwiseSqrt().asDiagonal();
      MatrixXd xi(d, n);
      rng.fill_normal(xi);
      for (Index k = 0; k < n; ++k) q.row(k) = positions.row(active[k]) + (root * xi.col(k)).transpose();
      break;
    }
  }
}

}  // namespace detail
}  // namespace flowprior
