"""Priors from per-parameter distributions, as pocoMC's `pc.Prior([...])`.

    prior = fp.Prior([scipy.stats.uniform(0, 1), scipy.stats.norm(0, 1)], names=["a", "b"])
    prior = fp.Prior({"a": fp.Uniform(0, 1), "b": fp.Normal(0, 1)})

Parameters are independent. Each distribution is a scipy.stats frozen distribution (anything with logpdf, ppf and
support) or one of ours, which need only numpy and the standard library: Uniform, LogUniform, Normal,
TruncatedNormal, and Beta (Beta needs scipy). The samplers work on a box: a parameter with unbounded support is cut
at its 1e-12 and 1 - 1e-12 quantiles (for a normal, +-7.03 sd), which changes log Z by less than 2e-12 per
parameter. An all-uniform prior becomes the C++ uniform prior (no Python in the loop); any other is evaluated in
Python (logpdf per batch, ppf for the draws, with uniforms from flowprior's seeded streams).
"""
import math
from statistics import NormalDist

import numpy as np

from . import _flowprior as _fp

TAIL = 1e-12  # quantile at which unbounded supports are cut

_STANDARD_NORMAL = NormalDist()
_phi_inverse = np.vectorize(_STANDARD_NORMAL.inv_cdf, otypes=[float])


def _phi(z):
    z = np.asarray(z, dtype=float)
    return 0.5 * np.vectorize(math.erfc, otypes=[float])(-z / math.sqrt(2.0))


class Uniform:
    """Uniform on [low, high]."""

    def __init__(self, low, high):
        self.low, self.high = float(low), float(high)
        if not self.low < self.high:
            raise ValueError(f"Uniform: low {self.low:g} must be below high {self.high:g}")

    def support(self):
        """(low, high): the support (infinite ends allowed)."""
        return self.low, self.high

    def logpdf(self, x):
        """log density at x (any shape, elementwise); -inf outside the support."""
        x = np.asarray(x, dtype=float)
        inside = (x >= self.low) & (x <= self.high)
        return np.where(inside, -math.log(self.high - self.low), -np.inf)

    def ppf(self, u):
        """Quantile function (inverse CDF) at u in (0, 1), elementwise."""
        return self.low + np.asarray(u, dtype=float) * (self.high - self.low)

    def __repr__(self):
        return f"Uniform({self.low:g}, {self.high:g})"


class LogUniform:
    """log x uniform on [log low, log high] (0 < low < high)."""

    def __init__(self, low, high):
        self.low, self.high = float(low), float(high)
        if not 0 < self.low < self.high:
            raise ValueError(f"LogUniform: need 0 < low < high, got {self.low:g}, {self.high:g}")
        self._log_width = math.log(self.high / self.low)

    def support(self):
        """(low, high): the support (infinite ends allowed)."""
        return self.low, self.high

    def logpdf(self, x):
        """log density at x (any shape, elementwise); -inf outside the support."""
        x = np.asarray(x, dtype=float)
        inside = (x >= self.low) & (x <= self.high)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(inside, -np.log(x) - math.log(self._log_width), -np.inf)

    def ppf(self, u):
        """Quantile function (inverse CDF) at u in (0, 1), elementwise."""
        return self.low * np.exp(np.asarray(u, dtype=float) * self._log_width)

    def __repr__(self):
        return f"LogUniform({self.low:g}, {self.high:g})"


class Normal:
    """Normal with mean `loc` and standard deviation `scale`."""

    def __init__(self, loc=0.0, scale=1.0):
        self.loc, self.scale = float(loc), float(scale)
        if not self.scale > 0:
            raise ValueError(f"Normal: scale must be positive, got {self.scale:g}")

    def support(self):
        """(low, high): the support (infinite ends allowed)."""
        return -math.inf, math.inf

    def logpdf(self, x):
        """log density at x (any shape, elementwise); -inf outside the support."""
        z = (np.asarray(x, dtype=float) - self.loc) / self.scale
        return -0.5 * z * z - math.log(self.scale) - 0.5 * math.log(2 * math.pi)

    def ppf(self, u):
        """Quantile function (inverse CDF) at u in (0, 1), elementwise."""
        return self.loc + self.scale * _phi_inverse(u)

    def cdf(self, x):
        """Cumulative distribution function at x, elementwise."""
        return _phi((np.asarray(x, dtype=float) - self.loc) / self.scale)

    def __repr__(self):
        return f"Normal({self.loc:g}, {self.scale:g})"


class TruncatedNormal:
    """Normal(loc, scale) restricted to [low, high] and renormalised."""

    def __init__(self, loc, scale, low, high):
        self.loc, self.scale, self.low, self.high = float(loc), float(scale), float(low), float(high)
        if not self.scale > 0 or not self.low < self.high:
            raise ValueError("TruncatedNormal: need scale > 0 and low < high")
        self._a = float(_phi((self.low - self.loc) / self.scale))
        self._b = float(_phi((self.high - self.loc) / self.scale))
        if not self._b > self._a:
            raise ValueError("TruncatedNormal: no probability between low and high")

    def support(self):
        """(low, high): the support (infinite ends allowed)."""
        return self.low, self.high

    def logpdf(self, x):
        """log density at x (any shape, elementwise); -inf outside the support."""
        x = np.asarray(x, dtype=float)
        z = (x - self.loc) / self.scale
        value = -0.5 * z * z - math.log(self.scale) - 0.5 * math.log(2 * math.pi) - math.log(self._b - self._a)
        return np.where((x >= self.low) & (x <= self.high), value, -np.inf)

    def ppf(self, u):
        """Quantile function (inverse CDF) at u in (0, 1), elementwise."""
        p = self._a + np.asarray(u, dtype=float) * (self._b - self._a)
        return np.clip(self.loc + self.scale * _phi_inverse(p), self.low, self.high)

    def __repr__(self):
        return f"TruncatedNormal({self.loc:g}, {self.scale:g}, {self.low:g}, {self.high:g})"


class Beta:
    """Beta(a, b) on [low, high] (default [0, 1]); needs scipy for its quantile function."""

    def __init__(self, a, b, low=0.0, high=1.0):
        import scipy.stats
        self.a, self.b, self.low, self.high = float(a), float(b), float(low), float(high)
        self._dist = scipy.stats.beta(self.a, self.b, loc=self.low, scale=self.high - self.low)

    def support(self):
        """(low, high): the support (infinite ends allowed)."""
        return self.low, self.high

    def logpdf(self, x):
        """log density at x (any shape, elementwise); -inf outside the support."""
        return self._dist.logpdf(x)

    def ppf(self, u):
        """Quantile function (inverse CDF) at u in (0, 1), elementwise."""
        return self._dist.ppf(u)

    def __repr__(self):
        return f"Beta({self.a:g}, {self.b:g}, {self.low:g}, {self.high:g})"


def _is_uniform(dist):
    if isinstance(dist, Uniform):
        return True
    return getattr(getattr(dist, "dist", None), "name", None) == "uniform"  # scipy.stats.uniform(loc, scale)


def _bounds(dist, name):
    for attribute in ("logpdf", "ppf"):
        if not callable(getattr(dist, attribute, None)):
            raise TypeError(f"Prior: the distribution of '{name}' ({dist!r}) has no {attribute}(); give a "
                            "scipy.stats distribution or flowprior.Uniform/LogUniform/Normal/TruncatedNormal/Beta")
    low, high = (float(v) for v in dist.support()) if hasattr(dist, "support") else (-math.inf, math.inf)
    if not math.isfinite(low):
        low = float(dist.ppf(TAIL))
    if not math.isfinite(high):
        high = float(dist.ppf(1.0 - TAIL))
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"Prior: the support of '{name}' gives no finite box ([{low:g}, {high:g}])")
    return low, high


class Prior:
    """Independent per-parameter distributions as one prior (pocoMC's Prior).

    Prior(distributions, names=None): distributions a list (names default to x1, x2, ...) or a dict name ->
    distribution. Attributes: names, dim, box (the support box the samplers use), density (the prior Density).
    Methods: logpdf(x (n, d) or (d,)), rvs(n, seed) -> (n, d) draws.
    """

    def __init__(self, distributions, names=None):
        if isinstance(distributions, dict):
            if names is not None:
                raise ValueError("Prior: give names either as dict keys or as names=, not both")
            names, distributions = list(distributions.keys()), list(distributions.values())
        distributions = list(distributions)
        if names is None:
            names = [f"x{i + 1}" for i in range(len(distributions))]
        names = [str(n) for n in names]
        if len(names) != len(distributions) or not names:
            raise ValueError(f"Prior: {len(names)} names for {len(distributions)} distributions")
        self.names = names
        self.dim = len(names)
        self.distributions = distributions
        bounds = [_bounds(d, n) for d, n in zip(distributions, names)]
        self.box = _fp.Box(names, [b[0] for b in bounds], [b[1] for b in bounds])
        if all(_is_uniform(d) for d in distributions):
            self.density = _fp.uniform_prior(self.box)
        else:
            self.density = _fp.callable_prior(self._log_prob_batch, self._from_unit, self.box)

    def _log_prob_batch(self, x):
        out = np.zeros(len(x))
        inside = np.all((x >= np.asarray(self.box.lower)) & (x <= np.asarray(self.box.upper)), axis=1)
        for j, dist in enumerate(self.distributions):
            out += np.asarray(dist.logpdf(x[:, j]), dtype=float)
        out[~inside] = -np.inf
        return np.where(np.isnan(out), -np.inf, out)

    def _from_unit(self, u):
        # Uniforms in (0, 1) mapped into the box's share of each distribution (the cut tails excluded).
        x = np.empty_like(u)
        for j, dist in enumerate(self.distributions):
            lo, hi = self.box.lower[j], self.box.upper[j]
            if _is_uniform(dist):
                x[:, j] = lo + u[:, j] * (hi - lo)
                continue
            cdf = getattr(dist, "cdf", None)
            a, b = (float(cdf(lo)), float(cdf(hi))) if callable(cdf) else (0.0, 1.0)
            x[:, j] = np.clip(dist.ppf(a + u[:, j] * (b - a)), lo, hi)
        return x

    def logpdf(self, x):
        """log density at x (any shape, elementwise); -inf outside the support."""
        """log prior density: (n, d) -> (n,), or (d,) -> float; -inf outside the box."""
        return self.density.log_prob(x)

    def rvs(self, size=1, seed=1):
        """size draws (size, d), reproducible in the seed."""
        return self.density.sample(int(size), seed=seed)

    @property
    def bounds(self):
        """(d, 2) array of the box's lower and upper bounds (pocoMC's prior.bounds)."""
        return np.column_stack([self.box.lower, self.box.upper])

    def __repr__(self):
        parts = ", ".join(f"{n}={d!r}" for n, d in zip(self.names, self.distributions))
        return f"Prior({parts})"

    def __reduce__(self):
        return (Prior, (self.distributions, self.names))
