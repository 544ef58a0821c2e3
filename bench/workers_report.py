"""Figures of the worker benchmark: percentiles, ratios against the shipped configuration, the verdict, the table."""

import math
import statistics

# Figures compared with the shipped configuration's, in the same round.
RATIO_FIGURES = (
    "pages_rps",
    "pages_p99_ms",
    "sign_in_p50_ms",
    "sign_in_p99_ms",
    "upload_p50_ms",
    "upload_p99_ms",
    "cpu_ms",
)
# What "wins" means on a 2-core instance: more pages per second, beyond the noise of a shared machine,
# without a slower tail for pages, and sign-ins and uploads as quick as with the shipped configuration.
MIN_THROUGHPUT_GAIN = 1.05
MAX_SLOWER = {"pages_p99_ms": 1.10, "sign_in_p99_ms": 1.25, "upload_p99_ms": 1.25}


def percentile(values, pct):
    """The nearest-rank percentile of ``values`` (None when there are none)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def round_ratios(rounds, shipped):
    """For each configuration, each figure's ratio to the shipped configuration's in the same round.

    ``rounds`` is a list of {configuration: figures}; returns {configuration: {figure: [ratio per round]}}.
    """
    ratios = {}
    for measured in rounds:
        base = measured[shipped]
        for name, figures in measured.items():
            for figure in RATIO_FIGURES:
                if figures.get(figure) is not None and base.get(figure):
                    ratios.setdefault(name, {}).setdefault(figure, []).append(figures[figure] / base[figure])
    return ratios


def median_ratios(rounds, shipped):
    """{configuration: {figure: median over the rounds of its ratio to the shipped configuration}}."""
    return {
        name: {figure: round(statistics.median(values), 3) for figure, values in figures.items()}
        for name, figures in round_ratios(rounds, shipped).items()
    }


def medians(rounds):
    """{configuration: {figure: median over the rounds}} for every numeric figure."""
    collected = {}
    for measured in rounds:
        for name, figures in measured.items():
            for figure, value in figures.items():
                if isinstance(value, int | float):
                    collected.setdefault(name, {}).setdefault(figure, []).append(value)
    return {
        name: {figure: round(statistics.median(values), 2) for figure, values in figures.items()}
        for name, figures in collected.items()
    }


def winner(ratios, shipped):
    """The configuration to ship: the one with the most pages per second among those that win, else ``shipped``."""
    winning = [
        name
        for name, figures in ratios.items()
        if name != shipped
        and figures.get("pages_rps", 0) >= MIN_THROUGHPUT_GAIN
        and all(figures.get(figure, math.inf) <= bound for figure, bound in MAX_SLOWER.items())
    ]
    return max(winning, key=lambda name: ratios[name]["pages_rps"], default=shipped)


def _pair(figures, low, high):
    values = [figures.get(low), figures.get(high)]
    return " / ".join("–" if value is None else f"{value:.0f}" for value in values)


def markdown_table(summary, ratios, shipped):
    """The figures as a markdown table, one row per configuration (medians over the rounds)."""
    lines = [
        "| configuration | pages req/s (× shipped) | pages p50 / p99 ms | sign-in p50 / p99 ms "
        "| upload p50 / p99 ms | CPU ms per request | RSS MiB per worker | errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, figures in summary.items():
        label = f"**{name}** (shipped)" if name == shipped else name
        ratio = ratios.get(name, {}).get("pages_rps")
        throughput = f"{figures['pages_rps']:.0f}" + (f" ({ratio:.2f}×)" if ratio else "")
        lines.append(
            f"| {label} | {throughput} | {_pair(figures, 'pages_p50_ms', 'pages_p99_ms')} "
            f"| {_pair(figures, 'sign_in_p50_ms', 'sign_in_p99_ms')} | {_pair(figures, 'upload_p50_ms', 'upload_p99_ms')} "
            f"| {figures.get('cpu_ms', 0):.1f} | {figures.get('rss_mib', 0):.0f} | {figures.get('errors', 0):.0f} |"
        )
    return "\n".join(lines)


def summarise(results):
    """Medians, ratios within rounds and the verdict, added to ``results``; returns the markdown section."""
    shipped, rounds = results["shipped"], results["rounds"]
    summary = medians(rounds)
    for name in summary:
        summary[name]["errors"] = sum(measured[name]["errors"] for measured in rounds)
    ratios = median_ratios(rounds, shipped)
    by_round = round_ratios(rounds, shipped)
    results.update(summary=summary, ratios=ratios, ratios_by_round=by_round, winner=winner(ratios, shipped))
    machine, settings = results["machine"], results["settings"]
    return "\n".join(
        [
            f"{results['database']}, {results['rows']:,} projects, 2 workers, {settings['rounds']} interleaved rounds "
            f"of {settings['duration']} s; wrk -c{settings['connections']} on four pages in turn; "
            f"{settings['sign_in_rate']} sign-ins/s (provider {settings['provider_latency'] * 1000:.0f} ms) and "
            f"{settings['upload_rate']} uploads/s (storage {settings['upload_latency'] * 1000:.0f} ms); "
            f"{machine['cpus']} CPUs, load {machine['load_before'][0]:.1f} before and "
            f"{machine['load_after'][0]:.1f} after ({results['measured_at']}).",
            "",
            markdown_table(summary, ratios, shipped),
            "",
            *_round_lines(by_round, shipped),
            "",
            f"Winner by the rule ({MIN_THROUGHPUT_GAIN}× pages/s, pages p99 ≤ "
            f"{MAX_SLOWER['pages_p99_ms']}×, sign-in and upload p99 ≤ {MAX_SLOWER['sign_in_p99_ms']}× "
            f"the shipped configuration's): **{results['winner']}**.",
        ]
    )


def _round_lines(by_round, shipped):
    """One line per compared figure: each configuration's ratio to the shipped one, round by round."""
    lines = []
    for figure in ("pages_rps", "pages_p99_ms", "sign_in_p99_ms", "upload_p99_ms", "cpu_ms"):
        parts = [
            f"{name} {' / '.join(f'{value:.2f}' for value in figures[figure])}"
            for name, figures in by_round.items()
            if name != shipped and figure in figures
        ]
        if parts:
            lines.append(f"- {figure} ÷ shipped, by round: " + "; ".join(parts))
    return lines
