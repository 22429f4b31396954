#pragma once
// A small dense network (conditioner of couplings and MADE), batch in rows, optional fixed masks on the weights
// (MADE). Parameters per layer: W (out x in, column-major) then b (out).
#include <vector>

#include "flowprior/core/rng.hpp"
#include "flowprior/core/types.hpp"
#include "flowprior/flow/staircase.hpp"

namespace flowprior {

enum class Activation { identity, relu, tanh };

class Mlp {
 public:
  Mlp() = default;
  // sizes = {in, hidden..., out}. Weights U(+-1/sqrt(fan_in)), biases 0; the last layer is all zero when
  // zero_last (so a flow starts at the identity).
  Mlp(std::vector<int> sizes, Activation activation, Rng& rng, bool zero_last);

  // masks[l] has the shape of W_l; masked weights are kept at exactly 0 (also by set_params). When the masks have
  // a staircase order (MADE's do, staircase.hpp), the products skip the masked weights.
  void set_masks(std::vector<MatrixXd> masks);

  int in() const { return sizes_.front(); }
  int out() const { return sizes_.back(); }
  Index num_params() const;
  void get_params(double* out) const;
  void set_params(const double* in);
  const std::vector<MatrixXd>& weights() const { return w_; }

  struct Cache {
    std::vector<MatrixXd> hidden;  // post-activation output of each hidden layer (staircase: in computed order)
    MatrixXd input;                // staircase: the input's columns in computed order
    MatrixXd scratch;              // staircase: the backward's weight-gradient block
  };
  void forward(const MatrixXd& x, MatrixXd& out, Cache& cache) const;
  // dout = dL/dout of the recorded pass; ADDS parameter gradients to grad; writes dL/dx to dx if non-null.
  void backward(const MatrixXd& x, const MatrixXd& dout, Cache& cache, MatrixXd* dx, double* grad) const;

 private:
  std::vector<int> sizes_;
  Activation activation_ = Activation::relu;
  std::vector<MatrixXd> w_;
  std::vector<VectorXd> b_;
  std::vector<MatrixXd> masks_;  // empty = dense

  // The hidden activation in place, and its backward (g *= activation'(pre) given h = activation(pre)).
  void activate(MatrixXd& h) const;
  void activation_backward(const MatrixXd& h, MatrixXd& g) const;
  // Where each layer's parameters (W then b) start in the flat vector.
  std::vector<Index> param_offsets() const;

  // Staircase products (empty = dense): the weights and biases with rows and columns in computed order.
  std::vector<StaircaseLayer> stairs_;
  std::vector<MatrixXd> w_sorted_;
  std::vector<VectorXd> b_sorted_;
  void sort_params();
  void forward_staircase(const MatrixXd& x, MatrixXd& out, Cache& cache) const;
  void backward_staircase(const MatrixXd& dout, Cache& cache, MatrixXd* dx, double* grad) const;
};

}  // namespace flowprior
