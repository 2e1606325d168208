"""Command line: ``forum-network validate|run|example``.

A user's mistake (a bad file, an unknown wave, a bad option) gives one clear message on
stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .errors import SurveyError, ValidationError


def _csv(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _validate(args) -> int:
    from . import io
    from .validate import tidy_wave

    spec, _ = io.locate(args.wave)
    tidy = tidy_wave(spec)
    n = len(tidy.members)
    print(f"{spec.id}: no problems ({n} members, {int(tidy.members['answered'].sum())} respondents, "
          f"{len(tidy.relations)} ratings, {len(tidy.external)} external items)")
    return 0


def _run(args) -> int:
    from .pipeline import run

    def progress(step) -> None:
        print(f"  {step.name:<16} {step.seconds:6.1f} s  {step.status}", file=sys.stderr, flush=True)

    print(f"Running {args.wave} (languages {', '.join(args.lang)}; {', '.join(args.to)})", file=sys.stderr)
    started = time.perf_counter()
    report = run(args.wave, langs=args.lang, formats=args.to, build=args.build, seed=args.seed,
                 use_cache=not args.no_cache, jobs=args.jobs, progress=progress)
    print(f"  {'total':<16} {time.perf_counter() - started:6.1f} s", file=sys.stderr)
    for path in report.handouts.values():
        print(path)
    return 0


def _example(args) -> int:
    from .example import write_example_waves

    kwargs = {"dest": Path(args.dest)} if args.dest else {}
    for folder in write_example_waves(seed=args.seed, **kwargs):
        print(folder)
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for the docs and tests)."""
    from .pipeline import DEFAULT_SEED, FORMATS

    p = argparse.ArgumentParser(prog="forum-network", description=(
        "Network analysis of a leadership forum's survey: from the survey tool's raw export to a handout."))
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check a wave's raw export and list every problem")
    v.add_argument("wave", help="wave id (under data/raw or data/example) or wave folder")
    v.set_defaults(func=_validate)
    r = sub.add_parser("run", help="run the whole pipeline and render the handout")
    r.add_argument("wave", help="wave id (under data/raw or data/example) or wave folder")
    r.add_argument("--lang", type=_csv, default=("da",), help="handout languages, comma separated: da,en (default da)")
    r.add_argument("--to", type=_csv, default=FORMATS, help="formats, comma separated: html,pdf (default both)")
    r.add_argument("--build", default="build", help="build folder (default: build, in the project)")
    r.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed of every random step (default {DEFAULT_SEED})")
    r.add_argument("--no-cache", action="store_true", help="execute every notebook, even if nothing changed")
    r.add_argument("--jobs", type=int, default=None, help="notebooks run at the same time (default: number of cores)")
    r.set_defaults(func=_run)
    e = sub.add_parser("example", help="regenerate the synthetic example waves in data/example")
    e.add_argument("--dest", help="folder to write into (default: data/example)")
    e.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    e.set_defaults(func=_example)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``forum-network`` console script."""
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ValidationError as exc:
        print(exc, file=sys.stderr)
        return 1
    except SurveyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; outputs of finished steps are kept, nothing is half-written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
