"""Every user mistake through the Python API raises a CxError subclass, never a raw error.

One table holds a wrong call for each public function and parameter (``cx.*``,
``cx.api.*``, ``cx.report.build_report``), the error class it must raise and the
words its message must hold. A property test then throws hostile values of every
type at every parameter: nothing but a CxError (or a result) comes back.
"""

# ruff: noqa: E501  (the table reads best one case a line)
from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_overloads

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cx
from cx import api
from cx.data.cube import Cube
from cx.errors import CxError, DataError, InputError, StrategyError, UnknownName, UsageError
from cx.models.result import SweepResult
from cx.models.strategy import Strategy
from cx.report import build_report

CORPUS = Path(__file__).resolve().parent / "corpus"
STRATEGY = CORPUS / "strategies" / "base.yaml"
GOOD = CORPUS / "data" / "good.csv"


@dataclass(frozen=True)
class Given:
    """What a call in the table may use: a loaded strategy, a cube, a scratch directory."""

    strategy: Strategy
    cube: Cube
    work: Path


@pytest.fixture(scope="module")
def given_(tmp_path_factory: pytest.TempPathFactory) -> Given:
    return Given(cx.load_strategy(STRATEGY), cx.load_interactions(GOOD), tmp_path_factory.mktemp("w"))


Call = Callable[[Given], Any]

#: (id, call, error class, words the message holds)
CASES: list[tuple[str, Call, type[CxError], tuple[str, ...]]] = [
    # cx.load_strategy(source, overrides)
    ("load_strategy-None", lambda g: cx.load_strategy(None), UsageError, ("source", "path or a dict")),
    ("load_strategy-int", lambda g: cx.load_strategy(42), UsageError, ("source", "int 42")),
    ("load_strategy-bytes", lambda g: cx.load_strategy(b"s.yaml"), UsageError, ("source",)),
    ("load_strategy-missing", lambda g: cx.load_strategy("nope.yaml"), InputError, ("nope.yaml", "not found")),
    ("load_strategy-empty-path", lambda g: cx.load_strategy(""), InputError, ("empty path",)),
    ("load_strategy-nul", lambda g: cx.load_strategy("a\0.yaml"), InputError, ("NUL",)),
    ("load_strategy-long-name", lambda g: cx.load_strategy("a" * 300 + ".yaml"), InputError, ("longer than a file system allows",)),
    ("load_strategy-long-path", lambda g: cx.load_strategy("a/" * 3000), InputError, ("longer than a file system allows",)),
    ("load_strategy-yaml-text", lambda g: cx.load_strategy("version: 1\nname: x\n"), UsageError, ("source is YAML text", "save it to a file")),
    ("sweep-yaml-text", lambda g: cx.sweep("name: x\nkind: follow\n", "name", ["a"], g.cube), UsageError, ("strategy is YAML text",)),
    ("load_strategy-directory", lambda g: cx.load_strategy(CORPUS), InputError, ("directory",)),
    ("load_strategy-empty-dict", lambda g: cx.load_strategy({}), StrategyError, ("name", "missing")),
    (
        "load_strategy-wrong-types",
        lambda g: cx.load_strategy({"version": 1, "name": 3, "kind": "follow", "channels": [1]}),
        StrategyError,
        ("name",),
    ),
    (
        "load_strategy-deep-dict",
        lambda g: cx.load_strategy(functools.reduce(lambda a, _: {"a": a}, range(5000), {})),
        InputError,
        ("nested too deeply",),
    ),
    ("overrides-str", lambda g: cx.load_strategy(STRATEGY, "a=1"), UsageError, ("overrides", "KEY=VALUE")),
    ("overrides-None", lambda g: cx.load_strategy(STRATEGY, None), UsageError, ("overrides",)),
    ("overrides-int-item", lambda g: cx.load_strategy(STRATEGY, [1]), UsageError, ("overrides", "int 1")),
    ("overrides-nul", lambda g: cx.load_strategy(STRATEGY, ["name=a\0b"]), InputError, ("NUL",)),
    ("overrides-no-equals", lambda g: cx.load_strategy(STRATEGY, ["name"]), InputError, ("--set 'name'",)),
    # cx.load_interactions(path, columns, period, max_reject_rate, encoding, rejects, cache, ...)
    ("load_interactions-missing", lambda g: cx.load_interactions("missing.csv"), DataError, ("missing.csv", "not found")),
    ("load_interactions-None", lambda g: cx.load_interactions(None), UsageError, ("path", "NoneType")),
    ("load_interactions-list", lambda g: cx.load_interactions([GOOD]), UsageError, ("path", "list")),
    ("load_interactions-long-name", lambda g: cx.load_interactions("d" * 256), InputError, ("path", "longer")),
    ("rejects-long-name", lambda g: cx.load_interactions(GOOD, rejects=g.work / ("r" * 300)), InputError, ("rejects", "longer")),
    ("columns-long-name", lambda g: cx.load_interactions(GOOD, columns="m" * 300), InputError, ("columns", "longer")),
    ("columns-int", lambda g: cx.load_interactions(GOOD, columns=5), UsageError, ("columns", "int 5")),
    ("columns-missing", lambda g: cx.load_interactions(GOOD, columns="nope.yaml"), InputError, ("nope.yaml", "not found")),
    ("period-unknown", lambda g: cx.load_interactions(GOOD, period="fortnight"), InputError, ("period", "fortnight")),
    ("period-None", lambda g: cx.load_interactions(GOOD, period=None), UsageError, ("period", "string")),
    ("max_reject_rate-2", lambda g: cx.load_interactions(GOOD, max_reject_rate=2), InputError, ("max_reject_rate 2 is above 1", "0 to 1")),
    ("max_reject_rate--1", lambda g: cx.load_interactions(GOOD, max_reject_rate=-1), InputError, ("max_reject_rate -1 is negative",)),
    ("max_reject_rate-nan", lambda g: cx.load_interactions(GOOD, max_reject_rate=math.nan), InputError, ("max_reject_rate nan", "not a finite number")),
    ("max_reject_rate-inf", lambda g: cx.load_interactions(GOOD, max_reject_rate=math.inf), InputError, ("max_reject_rate",)),
    ("max_reject_rate-str", lambda g: cx.load_interactions(GOOD, max_reject_rate="0.1"), UsageError, ("max_reject_rate", "number")),
    ("max_reject_rate-bool", lambda g: cx.load_interactions(GOOD, max_reject_rate=True), UsageError, ("max_reject_rate",)),
    ("encoding-unknown", lambda g: cx.load_interactions(GOOD, encoding="latin1"), InputError, ("encoding", "latin1")),
    ("encoding-None", lambda g: cx.load_interactions(GOOD, encoding=None), UsageError, ("encoding",)),
    ("rejects-int", lambda g: cx.load_interactions(GOOD, rejects=3), UsageError, ("rejects",)),
    ("cache-str", lambda g: cx.load_interactions(GOOD, cache="yes"), UsageError, ("cache", "True or False")),
    ("keep-rows-str", lambda g: cx.load_interactions(GOOD, keep_rows="yes"), UsageError, ("keep_rows", "True or False")),
    ("outcomes-int", lambda g: cx.load_interactions(GOOD, outcomes=1), UsageError, ("outcomes",)),
    ("journey_window-negative", lambda g: cx.load_interactions(GOOD, outcomes=True, journey_window=-1), InputError, ("journey_window of -1 hours is negative",)),
    ("journey_window-over-a-year", lambda g: cx.load_interactions(GOOD, outcomes=True, journey_window=1e300), InputError, ("journey_window", "more than a year", "hours")),
    ("journey_window-nan", lambda g: cx.load_interactions(GOOD, outcomes=True, journey_window=math.nan), InputError, ("journey_window",)),
    ("journey_window-str", lambda g: cx.load_interactions(GOOD, journey_window="72"), UsageError, ("journey_window", "number")),
    # cx.simulate(strategy, cube, interval, agents, replay, seed, fit, columns, encoding)
    ("simulate-strategy-None", lambda g: cx.simulate(None, g.cube), UsageError, ("strategy", "cx.Strategy", "load_strategy")),
    ("simulate-strategy-path", lambda g: cx.simulate("nonexistent.yaml", g.cube), UsageError, ("strategy", "nonexistent.yaml")),
    ("simulate-strategy-dict", lambda g: cx.simulate({"name": "x"}, g.cube), UsageError, ("strategy", "dict")),
    ("simulate-cube-None", lambda g: cx.simulate(g.strategy, None), UsageError, ("cube", "load_interactions")),
    ("simulate-cube-path", lambda g: cx.simulate(g.strategy, str(GOOD)), UsageError, ("cube", "str")),
    ("interval-7", lambda g: cx.simulate(g.strategy, g.cube, interval=7), InputError, ("interval 7", "15, 30 or 60")),
    ("interval-str", lambda g: cx.simulate(g.strategy, g.cube, interval="15"), UsageError, ("interval",)),
    ("interval-float", lambda g: cx.simulate(g.strategy, g.cube, interval=15.5), UsageError, ("interval",)),
    ("interval-bool", lambda g: cx.simulate(g.strategy, g.cube, interval=True), UsageError, ("interval", "bool")),
    ("interval-huge", lambda g: cx.simulate(g.strategy, g.cube, interval=2**70), InputError, ("interval",)),
    ("agents-negative", lambda g: cx.simulate(g.strategy, g.cube, agents={"phone": -1}), InputError, ("phone=-1", "whole number")),
    ("agents-nan", lambda g: cx.simulate(g.strategy, g.cube, agents={"phone": math.nan}), InputError, ("phone",)),
    ("agents-fraction", lambda g: cx.simulate(g.strategy, g.cube, agents={"phone": 2.5}), InputError, ("phone",)),
    ("agents-huge", lambda g: cx.simulate(g.strategy, g.cube, agents={"phone": 1e300}), InputError, ("phone", "100,000")),
    ("agents-huge-int", lambda g: cx.simulate(g.strategy, g.cube, agents={"phone": 2**80}), InputError, ("phone", "100,000")),
    ("agents-bool", lambda g: cx.simulate(g.strategy, g.cube, agents={"phone": True}), InputError, ("phone=True",)),
    ("agents-str", lambda g: cx.simulate(g.strategy, g.cube, agents={"phone": "12"}), InputError, ("agents phone='12'", "whole number")),
    ("agents-list", lambda g: cx.simulate(g.strategy, g.cube, agents=[("phone", 1)]), UsageError, ("agents", "dict")),
    ("agents-key-int", lambda g: cx.simulate(g.strategy, g.cube, agents={1: 1}), UsageError, ("agents key",)),
    ("agents-unknown-channel", lambda g: cx.simulate(g.strategy, g.cube, agents={"pigeon": 1}), InputError, ("pigeon",)),
    ("replay-str", lambda g: cx.simulate(g.strategy, g.cube, replay="yes"), UsageError, ("replay",)),
    ("seed-str", lambda g: cx.simulate(g.strategy, g.cube, replay=True, seed="x"), UsageError, ("seed", "whole number")),
    ("seed-negative", lambda g: cx.simulate(g.strategy, g.cube, seed=-1), InputError, ("seed",)),
    ("seed-huge", lambda g: cx.simulate(g.strategy, g.cube, seed=2**200), InputError, ("seed",)),
    ("fit-without-replay", lambda g: cx.simulate(g.strategy, g.cube, fit=True), UsageError, ("fit needs replay",)),
    ("fit-str", lambda g: cx.simulate(g.strategy, g.cube, fit="no"), UsageError, ("fit",)),
    ("simulate-columns-int", lambda g: cx.simulate(g.strategy, g.cube, replay=True, columns=3), UsageError, ("columns",)),
    ("simulate-encoding", lambda g: cx.simulate(g.strategy, g.cube, replay=True, encoding="x"), InputError, ("encoding",)),
    # cx.api.evaluate: simulate's arguments, checked the same way
    ("evaluate-strategy-None", lambda g: api.evaluate(None, g.cube), UsageError, ("strategy", "cx.Strategy")),
    ("evaluate-cube-None", lambda g: api.evaluate(g.strategy, None), UsageError, ("cube",)),
    ("evaluate-interval-7", lambda g: api.evaluate(g.strategy, g.cube, interval=7), InputError, ("interval 7",)),
    ("evaluate-fit-without-replay", lambda g: api.evaluate(g.strategy, g.cube, fit=True), UsageError, ("fit needs replay",)),
    # cx.compare(strategies, cube, interval, agents)
    ("compare-empty", lambda g: cx.compare([], g.cube), InputError, ("strategies is empty",)),
    ("compare-None", lambda g: cx.compare(None, g.cube), UsageError, ("strategies", "list")),
    ("compare-path", lambda g: cx.compare(str(STRATEGY), g.cube), UsageError, ("strategies", "list")),
    ("compare-one-strategy", lambda g: cx.compare(g.strategy, g.cube), UsageError, ("strategies",)),
    ("compare-item-None", lambda g: cx.compare([g.strategy, None], g.cube), UsageError, ("strategies[1]",)),
    ("compare-cube-None", lambda g: cx.compare([g.strategy], None), UsageError, ("cube",)),
    ("compare-interval", lambda g: cx.compare([g.strategy], g.cube, interval="x"), UsageError, ("interval",)),
    ("compare-agents", lambda g: cx.compare([g.strategy], g.cube, agents={"phone": -2}), InputError, ("phone",)),
    # cx.api.evaluate_all: compare's arguments, checked the same way
    ("evaluate_all-empty", lambda g: api.evaluate_all([], g.cube), InputError, ("strategies is empty",)),
    ("evaluate_all-None", lambda g: api.evaluate_all(None, g.cube), UsageError, ("strategies", "list")),
    ("evaluate_all-cube-None", lambda g: api.evaluate_all([g.strategy], None), UsageError, ("cube",)),
    ("evaluate_all-agents", lambda g: api.evaluate_all([g.strategy], g.cube, agents={"phone": -2}), InputError, ("phone",)),
    # cx.sweep(strategy, key, values, cube, overrides, interval, *, key2, values2)
    ("sweep-strategy-None", lambda g: cx.sweep(None, "name", ["a"], g.cube), UsageError, ("strategy",)),
    ("sweep-strategy-missing", lambda g: cx.sweep("nope.yaml", "name", ["a"], g.cube), InputError, ("nope.yaml",)),
    ("sweep-key-None", lambda g: cx.sweep(g.strategy, None, [1], g.cube), UsageError, ("key", "string")),
    ("sweep-key-unknown", lambda g: cx.sweep(g.strategy, "nope.x", [1], g.cube), InputError, ("nope",)),
    ("sweep-values-empty", lambda g: cx.sweep(g.strategy, "name", [], g.cube), InputError, ("values is empty",)),
    ("sweep-values-None", lambda g: cx.sweep(g.strategy, "name", None, g.cube), UsageError, ("values",)),
    ("sweep-values-str", lambda g: cx.sweep(g.strategy, "name", "abc", g.cube), UsageError, ("values",)),
    ("sweep-value-None", lambda g: cx.sweep(g.strategy, "name", [None], g.cube), UsageError, ("values",)),
    ("sweep-value-nan", lambda g: cx.sweep(g.strategy, "channels.phone.hourly_cost", [math.nan], g.cube), StrategyError, ("hourly_cost", "nan")),
    ("sweep-cube-None", lambda g: cx.sweep(g.strategy, "name", ["a"], None), UsageError, ("cube",)),
    ("sweep-overrides-str", lambda g: cx.sweep(g.strategy, "name", ["a"], g.cube, overrides="x=1"), UsageError, ("overrides",)),
    ("sweep-interval", lambda g: cx.sweep(g.strategy, "name", ["a"], g.cube, interval=45), InputError, ("interval 45",)),
    # ... and over two keys (a grid): key2, values2
    ("sweep-key2-alone", lambda g: cx.sweep(g.strategy, "name", ["a"], g.cube, key2="channels.phone.hourly_cost"), UsageError, ("values2", "together")),
    ("sweep-values2-alone", lambda g: cx.sweep(g.strategy, "name", ["a"], g.cube, values2=[1]), UsageError, ("key2", "together")),
    ("sweep-key2-int", lambda g: cx.sweep(g.strategy, "name", ["a"], g.cube, key2=3, values2=[1]), UsageError, ("key2", "string")),
    ("sweep-key2-same", lambda g: cx.sweep(g.strategy, "name", ["a"], g.cube, key2="name", values2=["b"]), InputError, ("key2 'name'", "two different keys")),
    ("sweep-values2-empty", lambda g: cx.sweep(g.strategy, "name", ["a"], g.cube, key2="kind", values2=[]), InputError, ("values2 is empty",)),
    ("sweep-values2-str", lambda g: cx.sweep(g.strategy, "name", ["a"], g.cube, key2="kind", values2="push"), UsageError, ("values2",)),
    ("sweep-grid-repeat", lambda g: cx.sweep(g.strategy, "name", ["a", "a"], g.cube, key2="kind", values2=["push"]), InputError, ("values holds 'a' twice",)),
    ("sweep-grid-too-big", lambda g: cx.sweep(g.strategy, "channels.phone.hourly_cost", range(1, 31), g.cube, key2="channels.phone.handle_time", values2=range(100, 130)), InputError, ("30 × 30 = 900 points", "400")),
    ("sweep-key2-unknown", lambda g: cx.sweep(g.strategy, "name", ["a"], g.cube, key2="nope.x", values2=[1]), InputError, ("nope",)),
    # cx.api.inspect_interactions(source, columns, period, window_hours, encoding)
    ("inspect-None", lambda g: api.inspect_interactions(None), UsageError, ("source",)),
    ("inspect-missing", lambda g: api.inspect_interactions("missing.csv"), DataError, ("missing.csv",)),
    ("inspect-columns", lambda g: api.inspect_interactions(g.cube, columns=[]), UsageError, ("columns",)),
    ("inspect-period", lambda g: api.inspect_interactions(GOOD, period="day"), InputError, ("period",)),
    ("inspect-period-of-cube", lambda g: api.inspect_interactions(g.cube, period="quarter"), InputError, ("period 'quarter'", "loaded with (month)")),
    ("inspect-window-nan", lambda g: api.inspect_interactions(g.cube, window_hours=math.nan), InputError, ("window_hours",)),
    ("inspect-window-negative", lambda g: api.inspect_interactions(g.cube, window_hours=-3), InputError, ("window_hours",)),
    ("inspect-encoding", lambda g: api.inspect_interactions(g.cube, encoding=8), UsageError, ("encoding",)),
    # cx.api.staffing_intervals(strategy, cube, interval, agents)
    ("staffing-strategy-None", lambda g: api.staffing_intervals(None, g.cube), UsageError, ("strategy",)),
    ("staffing-cube-None", lambda g: api.staffing_intervals(g.strategy, None), UsageError, ("cube",)),
    ("staffing-interval", lambda g: api.staffing_intervals(g.strategy, g.cube, interval=7), InputError, ("interval 7",)),
    ("staffing-agents", lambda g: api.staffing_intervals(g.strategy, g.cube, agents={"phone": "x"}), InputError, ("agents",)),
    # cx.api.sensitivity(strategy, cube, metric, interval, agents); draws of simulate
    ("sensitivity-strategy-None", lambda g: api.sensitivity(None, g.cube), UsageError, ("strategy",)),
    ("sensitivity-cube-None", lambda g: api.sensitivity(g.strategy, None), UsageError, ("cube",)),
    ("sensitivity-metric", lambda g: api.sensitivity(g.strategy, g.cube, metric="costs"), InputError, ("metric", "costs", "cost_delta")),
    ("sensitivity-metric-None", lambda g: api.sensitivity(g.strategy, g.cube, metric=None), UsageError, ("metric",)),
    ("sensitivity-nothing-uncertain", lambda g: api.sensitivity(g.strategy, g.cube), InputError, ("declares nothing uncertain", "uncertainty:")),
    ("simulate-samples", lambda g: cx.simulate(g.strategy, g.cube, samples=-1), InputError, ("samples -1",)),
    ("simulate-samples-float", lambda g: cx.simulate(g.strategy, g.cube, samples=1.5), UsageError, ("samples",)),
    ("evaluate_all-samples", lambda g: api.evaluate_all([g.strategy], g.cube, samples=10**9), InputError, ("samples", "100000")),
    # cx.api.caveats(strategies, cube, profile, rejects)
    ("caveats-None", lambda g: api.caveats(None, g.cube), UsageError, ("strategies",)),
    ("caveats-empty", lambda g: api.caveats([], g.cube), InputError, ("strategies is empty",)),
    ("caveats-cube-None", lambda g: api.caveats([g.strategy], None), UsageError, ("cube",)),
    ("caveats-profile", lambda g: api.caveats([g.strategy], g.cube, profile={}), UsageError, ("profile", "inspect_interactions")),
    ("caveats-rejects", lambda g: api.caveats([g.strategy], g.cube, rejects=3), UsageError, ("rejects",)),
    # cx.api.build_cube_file(path, output, columns, max_reject_rate, encoding, ...)
    ("cube_file-None", lambda g: api.build_cube_file(None, g.work / "c.parquet"), UsageError, ("path",)),
    ("cube_file-missing", lambda g: api.build_cube_file("missing.csv", g.work / "c.parquet"), DataError, ("missing.csv",)),
    ("cube_file-output-None", lambda g: api.build_cube_file(GOOD, None), UsageError, ("output",)),
    ("cube_file-output-empty", lambda g: api.build_cube_file(GOOD, ""), InputError, ("output", "empty")),
    ("cube_file-output-long-name", lambda g: api.build_cube_file(GOOD, g.work / ("c" * 300)), InputError, ("output", "longer")),
    ("cube_file-rate", lambda g: api.build_cube_file(GOOD, g.work / "c.parquet", max_reject_rate=5), InputError, ("max_reject_rate",)),
    ("cube_file-encoding", lambda g: api.build_cube_file(GOOD, g.work / "c.parquet", encoding="x"), InputError, ("encoding",)),
    ("cube_file-output-csv", lambda g: api.build_cube_file(GOOD, g.work / "cube.csv"), UsageError, ("a cube file is Parquet, not .csv", "cube.parquet")),
    ("cube_file-window", lambda g: api.build_cube_file(GOOD, g.work / "c.parquet", journey_window=-1), InputError, ("journey_window",)),
    ("cube_file-rejects", lambda g: api.build_cube_file(GOOD, g.work / "c.parquet", rejects=3), UsageError, ("rejects",)),
    ("cube_file-meta_out", lambda g: api.build_cube_file(GOOD, g.work / "c.parquet", meta_out="print"), UsageError, ("meta_out", "a function")),
    # cx.api.build_cube_file_with(engine, path, output, columns, max_reject_rate, journey_window,
    #                             meta_out, encoding)
    ("engine-unknown", lambda g: api.build_cube_file_with("oracle", GOOD, g.work / "c.parquet"), InputError, ("engine", "oracle", "duckdb")),
    ("engine-None", lambda g: api.build_cube_file_with(None, GOOD, g.work / "c.parquet"), UsageError, ("engine",)),
    ("engine-path-None", lambda g: api.build_cube_file_with("duckdb", None, g.work / "c.parquet"), UsageError, ("path",)),
    ("engine-missing", lambda g: api.build_cube_file_with("duckdb", "missing.csv", g.work / "c.parquet"), DataError, ("missing.csv",)),
    ("engine-output-None", lambda g: api.build_cube_file_with("duckdb", GOOD, None), UsageError, ("output",)),
    ("engine-output-csv", lambda g: api.build_cube_file_with("duckdb", GOOD, g.work / "cube.csv.gz"), UsageError, ("a cube file is Parquet, not .gz",)),
    ("engine-rate", lambda g: api.build_cube_file_with("duckdb", GOOD, g.work / "c.parquet", max_reject_rate=5), InputError, ("max_reject_rate",)),
    ("engine-window", lambda g: api.build_cube_file_with("duckdb", GOOD, g.work / "c.parquet", journey_window="x"), UsageError, ("journey_window",)),
    ("engine-meta_out", lambda g: api.build_cube_file_with("duckdb", GOOD, g.work / "c.parquet", meta_out="print"), UsageError, ("meta_out", "a function")),
    ("engine-encoding", lambda g: api.build_cube_file_with("duckdb", GOOD, g.work / "c.parquet", encoding="latin1"), InputError, ("encoding", "latin1")),
    # cx.api.cube_sql(dialect, table, columns, journey_window)
    ("cube_sql-window", lambda g: api.cube_sql("duckdb", journey_window=-1), InputError, ("journey_window",)),
    ("cube_sql-dialect", lambda g: api.cube_sql("oracle"), InputError, ("dialect", "oracle", "duckdb")),
    ("cube_sql-dialect-None", lambda g: api.cube_sql(None), UsageError, ("dialect",)),
    ("cube_sql-table-None", lambda g: api.cube_sql("duckdb", table=None), UsageError, ("table",)),
    ("cube_sql-columns", lambda g: api.cube_sql("duckdb", columns=5), UsageError, ("columns",)),
    # cx.api.init_project(data, directory, force)
    ("init-data-None", lambda g: api.init_project(None, g.work / "p"), UsageError, ("data",)),
    ("init-missing", lambda g: api.init_project("missing.csv", g.work / "p"), DataError, ("missing.csv", "not found")),
    ("init-directory-None", lambda g: api.init_project(GOOD, None), UsageError, ("directory",)),
    ("init-directory-empty", lambda g: api.init_project(GOOD, ""), InputError, ("directory", "empty")),
    ("init-directory-file", lambda g: api.init_project(GOOD, GOOD), InputError, ("not a directory",)),
    ("init-force", lambda g: api.init_project(GOOD, g.work / "p", force="yes"), UsageError, ("force",)),
    # cx.report.build_report(strategies, cube, interval, title, generated, profile, samples,
    # seed, sweep)
    ("report-empty", lambda g: build_report([], g.cube), InputError, ("strategies is empty",)),
    ("report-None", lambda g: build_report(None, g.cube), UsageError, ("strategies",)),
    ("report-cube-None", lambda g: build_report([g.strategy], None), UsageError, ("cube",)),
    ("report-interval", lambda g: build_report([g.strategy], g.cube, interval="x"), UsageError, ("interval",)),
    ("report-title", lambda g: build_report([g.strategy], g.cube, title=3), UsageError, ("title",)),
    ("report-generated", lambda g: build_report([g.strategy], g.cube, generated="now"), UsageError, ("generated", "datetime")),
    ("report-profile", lambda g: build_report([g.strategy], g.cube, profile={}), UsageError, ("profile", "inspect_interactions")),
    ("report-samples", lambda g: build_report([g.strategy], g.cube, samples=10**9), InputError, ("samples", "100000")),
    ("report-seed", lambda g: build_report([g.strategy], g.cube, seed=-1), InputError, ("seed",)),
    ("report-sweep", lambda g: build_report([g.strategy], g.cube, sweep={"steps": []}), UsageError, ("sweep", "cx.api.sweep")),
    # Result.channel, InspectResult.channel, SweepGrid.axis
    ("result-channel", lambda g: cx.simulate(g.strategy, g.cube).channel("nope"), UnknownName, ("no channel 'nope'", "its channels: ")),
    ("inspect-channel", lambda g: api.inspect_interactions(GOOD).channel("nope"), UnknownName, ("no channel 'nope'",)),
    ("grid-axis", lambda g: cx.sweep(g.strategy, "channels.chat.hourly_cost", [30, 31], g.cube, key2="channels.phone.hourly_cost", values2=[30]).axis(2), UsageError, ("axis takes 0 or 1, not 2",)),
    ("report-sweep-empty", lambda g: build_report([g.strategy], g.cube, sweep=SweepResult(strategy="s", key="name", steps=[])), InputError, ("sweep has no steps",)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "error", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_user_mistake_raises_its_cx_error(
    given_: Given, call: Call, error: type[CxError], words: tuple[str, ...]
) -> None:
    with pytest.raises(CxError) as raised:
        call(given_)
    assert isinstance(raised.value, error), repr(raised.value)
    message = str(raised.value)
    for word in words:
        assert word in message, message
    assert "\n" not in message and "Traceback" not in message


def test_a_missing_channel_is_still_a_key_error(given_: Given) -> None:
    """Code written ``except KeyError`` around ``result.channel(name)`` keeps working."""
    with pytest.raises(KeyError):
        cx.simulate(given_.strategy, given_.cube).channel("nope")


def test_a_strategy_error_counts_the_findings_it_does_not_show() -> None:
    with pytest.raises(StrategyError) as two:
        cx.load_strategy({"version": 1, "name": "x", "kind": "follow", "channels": 5, "offer": 3})
    assert str(two.value).endswith("(and 1 more finding; run `cx validate`)")
    with pytest.raises(StrategyError) as three:
        cx.load_strategy(
            {"version": 1, "name": "x", "kind": "follow", "channels": 5, "offer": 3, "foo": 1}
        )
    assert str(three.value).endswith("(and 2 more findings; run `cx validate`)")


def test_sweep_says_which_result_it_returns() -> None:
    """A type checker knows a sweep over one key gives a SweepResult, over two a
    SweepGrid (whose axis() and grid() the README uses)."""
    returns = [overload.__annotations__["return"] for overload in get_overloads(api.sweep)]
    assert returns == ["SweepResult", "SweepGrid"]


def test_every_public_function_has_a_case() -> None:
    """A new public function cannot be added without its wrong calls in the table."""
    exported = {n for n in cx.__all__ if n[0].islower() and callable(getattr(cx, n))}
    defined = {
        n
        for n, f in vars(api).items()
        if callable(f) and getattr(f, "__module__", "") == "cx.api" and not n.startswith("_")
    }
    public = exported | defined
    covered = {"load_strategy", "load_interactions", "simulate", "evaluate", "compare",
               "evaluate_all", "sweep", "inspect_interactions", "staffing_intervals",
               "build_cube_file", "build_cube_file_with", "cube_sql", "init_project",
               "sensitivity", "caveats"}  # fmt: skip
    assert public == covered


def test_a_refused_cube_file_leaves_no_file(given_: Given) -> None:
    target = given_.work / "refused.parquet"
    with pytest.raises(InputError):
        api.build_cube_file(GOOD, target, max_reject_rate=math.nan)
    assert not target.exists()
    assert list(given_.work.glob("refused*")) == []


def test_a_cube_file_named_for_another_format_is_not_written(given_: Given) -> None:
    """Parquet bytes under cube.csv would be read as a broken CSV export next time."""
    target = given_.work / "cube.csv"
    with pytest.raises(UsageError):
        api.build_cube_file(GOOD, target)
    assert not target.exists()
    assert api.build_cube_file(GOOD, given_.work / "cube.v2") > 0  # a name, not a format


def test_the_report_checks_its_arguments_before_the_chart_library(
    given_: Given, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wrong call is named as such even where the report's optional packages are missing."""
    import cx.report

    def missing() -> None:
        raise InputError("cx report needs the optional package altair")

    monkeypatch.setattr(cx.report, "require_chart_library", missing)
    with pytest.raises(UsageError, match="cube"):
        build_report([given_.strategy], "cube.csv")


def test_right_calls_still_work(given_: Given) -> None:
    """The checks take what the API documents: paths as str or Path, numpy-free ints, a
    generator of strategies, a datetime."""
    result = cx.simulate(given_.strategy, given_.cube, interval=30, agents={"phone": 3})
    assert result.totals.cost > 0
    compared = cx.compare((s for s in [given_.strategy, given_.strategy]), given_.cube)
    assert len(compared.results) == 2
    assert cx.load_interactions(str(GOOD)).meta.rows_read == given_.cube.meta.rows_read
    assert "SELECT" in api.cube_sql("postgres", table="calls")
    assert api.inspect_interactions(given_.cube, period="month").data.period == "month"
    curve = cx.sweep(STRATEGY, "name", ("a", "b"), given_.cube, overrides=[])
    assert [step.value for step in curve.steps] == ["a", "b"]
    grid = cx.sweep(STRATEGY, "name", ("a", "b"), given_.cube, key2="kind", values2=iter(["follow"]))
    assert [step.values for step in grid.steps] == [{"name": "a", "kind": "follow"}, {"name": "b", "kind": "follow"}]


def test_numpy_whole_numbers_are_taken_as_agents(given_: Given) -> None:
    """A script's headcounts often come out of numpy; np.int64(3) is three agents, as
    seed, samples and interval take numpy whole numbers too."""
    import numpy as np

    plain = cx.simulate(given_.strategy, given_.cube, agents={"phone": 3})
    for count in (np.int64(3), np.float64(3.0)):
        given = cx.simulate(given_.strategy, given_.cube, agents={"phone": count})
        assert given.model_dump() == plain.model_dump()
    with pytest.raises(InputError, match="whole number"):
        cx.simulate(given_.strategy, given_.cube, agents={"phone": np.float32(2.5)})


# ----------------------------------------------------------------- hostile values

HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12).filter(
        lambda t: not t.startswith("/")  # no absolute paths: nothing outside the work dir
    ),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.just(object()),
)

#: (function, its arguments by name as the table above would call it right)
PARAMETERS: list[tuple[str, Callable[..., Any], Callable[[Given], dict[str, Any]]]] = [
    ("load_strategy", cx.load_strategy, lambda g: {"source": STRATEGY, "overrides": ()}),
    (
        "load_interactions",
        cx.load_interactions,
        lambda g: {"path": GOOD, "columns": None, "period": "month", "max_reject_rate": 0.01,
                   "encoding": "utf8", "cache": False, "journey_window": 72.0},
    ),
    (
        "simulate",
        cx.simulate,
        lambda g: {"strategy": g.strategy, "cube": g.cube, "interval": None, "agents": None,
                   "seed": 0, "fit": False, "replay": False},
    ),
    ("compare", cx.compare, lambda g: {"strategies": [g.strategy], "cube": g.cube, "interval": None}),
    (
        "sweep",
        cx.sweep,
        lambda g: {"strategy": g.strategy, "key": "name", "values": ["a"], "cube": g.cube,
                   "overrides": (), "interval": None, "key2": "kind", "values2": ["follow"]},
    ),
    (
        "inspect_interactions",
        api.inspect_interactions,
        lambda g: {"source": g.cube, "columns": None, "period": "month", "window_hours": 72.0,
                   "encoding": "utf8"},
    ),
    ("staffing_intervals", api.staffing_intervals, lambda g: {"strategy": g.strategy, "cube": g.cube}),
    ("caveats", api.caveats, lambda g: {"strategies": [g.strategy], "cube": g.cube, "profile": None,
                                        "rejects": None}),
    ("cube_sql", api.cube_sql, lambda g: {"dialect": "duckdb", "table": "t", "columns": None,
                                          "journey_window": None}),
    (
        "build_cube_file_with",
        api.build_cube_file_with,
        lambda g: {"engine": "duckdb", "path": GOOD, "output": g.work / "c.parquet",
                   "columns": None, "max_reject_rate": 0.01, "journey_window": 24.0},
    ),
]  # fmt: skip

ONE_WRONG_ARGUMENT = [
    (name, function, arguments, parameter)
    for name, function, arguments in PARAMETERS
    for parameter in arguments(Given(None, None, Path()))  # type: ignore[arg-type]
]


@pytest.mark.parametrize(
    ("function", "arguments", "parameter"),
    [case[1:] for case in ONE_WRONG_ARGUMENT],
    ids=[f"{case[0]}-{case[3]}" for case in ONE_WRONG_ARGUMENT],
)
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=HOSTILE)
def test_any_value_for_any_parameter_is_a_result_or_a_cx_error(
    given_: Given,
    function: Callable[..., Any],
    arguments: Callable[[Given], dict[str, Any]],
    parameter: str,
    value: Any,
) -> None:
    call = {**arguments(given_), parameter: value}
    with contextlib.chdir(given_.work):
        try:
            function(**call)
        except CxError as error:
            assert str(error) and "\n" not in str(error).strip()


def test_a_cube_file_cut_with_another_window_names_the_parameter(tmp_path: Path) -> None:
    # The refusal's hint named only --journey-window, which a script does not have.
    cube_file = tmp_path / "cube.parquet"
    example = Path(__file__).resolve().parent.parent / "examples" / "interactions.csv"
    api.build_cube_file(example, cube_file, journey_window=24)
    with pytest.raises(InputError) as refused:
        api.load_interactions(cube_file, outcomes=True, journey_window=72)
    assert "cut with a 24-hour window, not 72" in refused.value.message
    assert refused.value.hint is not None and "(API: journey_window=24)" in refused.value.hint
