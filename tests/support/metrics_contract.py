"""docs/metrics.md as data: the metric families every Liaison process exposes, and the metric names
a PromQL expression reads, so that rules, dashboards and (with the instrumentation) the processes'
own /metrics can each be held to the one contract."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
ROW = re.compile(
    r"^\| `(?P<name>[a-z_:][a-z0-9_:]*)` \| (?P<type>counter|gauge|histogram|summary) \| (?P<labels>[^|]*)\|"
)
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("", "_sum", "_count")}


@dataclass(frozen=True)
class Family:
    name: str
    type: str
    labels: tuple[str, ...]

    def sample_names(self) -> set[str]:
        return {self.name + suffix for suffix in SUFFIXES.get(self.type, ("",))}


def families(path: Path = CONTRACT) -> dict[str, Family]:
    found = {}
    for line in path.read_text().splitlines():
        match = ROW.match(line)
        if match:
            labels = tuple(re.findall(r"`(\w+)`", match["labels"]))
            found[match["name"]] = Family(match["name"], match["type"], labels)
    return found


def sample_names(path: Path = CONTRACT) -> set[str]:
    return {sample for family in families(path).values() for sample in family.sample_names()}


# PromQL words that are not metric names where they stand bare.
KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS |= {"inf", "nan", "atan2"}


def metric_names(expression: str) -> set[str]:
    """The metric names an expression selects: strings, label matchers, ranges, grouping clauses and
    function calls taken out, what is left standing as an identifier is a metric."""
    text = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', '""', expression)
    names = set(re.findall(r'__name__\s*=\s*"([^"]*)"', expression))
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    for match in re.finditer(r"(?<![\w.:])([a-zA-Z_:][\w:]*)(\s*\()?", text):
        word, call = match.group(1), match.group(2)
        if not call and word.lower() not in KEYWORDS:
            names.add(word)
    return names


def exposed(registry) -> list:
    """Every sample a registry (an in-process app's `app.state.metrics.registry`) would expose now."""
    return [sample for family in registry.collect() for sample in family.samples]


def undeclared(registry) -> set[str]:
    """Sample names a registry exposes that docs/metrics.md does not list."""
    return {sample.name for sample in exposed(registry)} - sample_names()


def label_values(registry) -> set[str]:
    return {value for sample in exposed(registry) for value in sample.labels.values()}
