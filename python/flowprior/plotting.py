"""A corner plot on matplotlib: 1-D histograms on the diagonal, 2-D histograms (with 39% / 86% contours, the 1 and
2 sigma levels of a 2-D Gaussian) below it. Several sample sets can share one figure: pass fig= of the first call."""
import numpy as np


def _levels(hist, fractions):
    """Density levels enclosing the given probability fractions of a 2-D histogram."""
    flat = np.sort(hist.ravel())[::-1]
    cum = np.cumsum(flat)
    if cum[-1] <= 0:
        return None
    cum /= cum[-1]
    levels = [flat[min(np.searchsorted(cum, f), flat.size - 1)] for f in fractions]
    levels = sorted(set(levels))
    return levels if len(levels) == len(fractions) else None


def corner(samples, names=None, weights=None, *, truths=None, ranges=None, bins=40, color="C0", label=None,
           fig=None, levels=(0.393, 0.865), out=None):
    """Corner plot of samples (n x d); returns the matplotlib Figure (written to `out` when given).

    ranges: per-parameter (low, high), e.g. zip(box.lower, box.upper); default: the data range of the first set.
    """
    import matplotlib.pyplot as plt

    x = np.asarray(samples, dtype=float)
    if x.ndim != 2:
        raise ValueError("samples must be a 2-D array (n x d)")
    n, d = x.shape
    names = list(names) if names is not None else [f"x{i + 1}" for i in range(d)]
    w = None if weights is None else np.asarray(weights, dtype=float)
    if fig is None:
        fig, axes = plt.subplots(d, d, figsize=(2.2 * d + 0.5, 2.2 * d + 0.5), squeeze=False)
        if ranges is None:
            ranges = [(x[:, j].min(), x[:, j].max()) for j in range(d)]
        fig._flowprior_ranges = [tuple(map(float, r)) for r in ranges]
    else:
        axes = np.asarray(fig.axes).reshape(d, d)
        ranges = fig._flowprior_ranges
    for i in range(d):
        for j in range(d):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                ax.hist(x[:, j], bins=bins, range=ranges[j], weights=w, density=True, histtype="step", color=color,
                        label=label)
                ax.set_yticks([])
                if truths is not None:
                    ax.axvline(truths[j], color="k", lw=0.8)
            else:
                h, xe, ye = np.histogram2d(x[:, j], x[:, i], bins=bins, range=[ranges[j], ranges[i]], weights=w)
                lv = _levels(h, levels)
                xc, yc = 0.5 * (xe[1:] + xe[:-1]), 0.5 * (ye[1:] + ye[:-1])
                if lv is not None:
                    ax.contour(xc, yc, h.T, levels=lv, colors=color, linewidths=1.0)
                else:
                    ax.plot(x[:, j], x[:, i], ".", ms=1, color=color, alpha=0.3)
                if truths is not None:
                    ax.axvline(truths[j], color="k", lw=0.8)
                    ax.axhline(truths[i], color="k", lw=0.8)
                ax.set_ylim(ranges[i])
            ax.set_xlim(ranges[j])
            if i == d - 1:
                ax.set_xlabel(names[j])
            else:
                ax.set_xticklabels([])
            if j == 0 and i > 0:
                ax.set_ylabel(names[i])
            elif j > 0:
                ax.set_yticklabels([])
    if label is not None:  # one legend for every labelled set drawn on this figure so far
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legends.clear()
        fig.legend(handles, labels, loc="upper right")
    fig.subplots_adjust(wspace=0.05, hspace=0.05)
    if out is not None:
        fig.savefig(out, dpi=110)
    return fig
