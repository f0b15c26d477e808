"""Drawing a computation graph of :mod:`lecture_kit.autodiff` (the visual layer).

The autodiff module computes and lays out (:func:`lecture_kit.autodiff.layout`);
this module turns the layout into a matplotlib figure.
"""

from __future__ import annotations

from .autodiff import Value, layout, topological_order  # noqa: F401 (Value: the type)
from .figures import new_figure

__all__ = ["draw_graph"]


def draw_graph(root: Value, max_nodes: int = 60, figsize=None, decimals: int = 4):
    """Draw the graph of ``root``: one box per node with its value and gradient.

    Inputs are on the left, ``root`` on the right; each box shows the node's
    label (or operation), ``data`` and ``grad``; an arrow goes from every
    parent to its child, labelled with the local derivative
    :math:`\\partial\\,\\text{child}/\\partial\\,\\text{parent}`. Call
    ``root.backward()`` first to see gradients.

    Parameters
    ----------
    root : Value
    max_nodes : int, default 60
        Refuse larger graphs (they are unreadable as a picture).
    figsize : tuple, optional
        Figure size in inches; by default it grows with the graph.
    decimals : int, default 4
        Digits shown for values and gradients.

    Returns
    -------
    matplotlib.figure.Figure
        Display it with ``lecture_kit.plots.show(fig, alt=...)``.

    Notes
    -----
    Pure matplotlib (object-oriented API, no pyplot, no Graphviz), imported
    only with this module.

    Examples
    --------
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b
    >>> c.backward()
    >>> fig = draw_graph(c)
    >>> sorted(t.get_text().splitlines()[0] for t in fig.axes[0].texts if "grad" in t.get_text())
    ['*', 'a', 'b']
    """
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(f"the graph has {len(order)} nodes, more than max_nodes={max_nodes}")
    pos = layout(root)
    width = 1 + max(x for x, _ in pos.values())
    height = max(sum(1 for p in pos.values() if p[0] == x) for x in range(width))
    fig_w, fig_h = figsize or (2.2 * width + 1, 1.3 * height + 1)
    fig = new_figure(width=fig_w, height=fig_h)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_xlim(-0.6, width - 0.4)
    ax.set_ylim(-(height + 1) / 2 - 0.1, (height + 1) / 2 + 0.1)
    for node in order:
        x, y = pos[id(node)]
        title = node.label or node.op or "const"
        if node.label and node.op:
            title = f"{node.label} ({node.op})"
        text = f"{title}\ndata {node.data:.{decimals}g}\ngrad {node.grad:.{decimals}g}"
        ax.text(x, y, text, ha="center", va="center", fontsize=9, zorder=3,
                bbox=dict(boxstyle="round,pad=0.4", facecolor="#56B4E933" if node.parents
                          else "#E69F0033", edgecolor="#0072B2" if node is root else "#555555"))
        for parent, local in zip(node.parents, node.local_grads):
            px, py = pos[id(parent)]
            skip = x - px > 1  # an edge jumping over a column bends around its boxes
            ax.annotate("", xy=(x - 0.32, y), xytext=(px + 0.32, py), zorder=1,
                        arrowprops=dict(arrowstyle="-|>", mutation_scale=12, color="#555555",
                                        connectionstyle=f"arc3,rad={-0.35 if skip else 0}",
                                        shrinkA=0, shrinkB=0))
            lift = 0.12 + (0.35 * (x - px) / 2 if skip else 0)
            ax.text((px + x) / 2, (py + y) / 2 + lift, f"local {local:.3g}", fontsize=7,
                    ha="center", color="#D55E00", zorder=2)
    ax.set_title(f"computation graph of {root.label or 'the output'}: data and grad per node")
    return fig
