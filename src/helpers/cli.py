"""Command line: ``forum-network init|validate|run|compare|pairs|export|key|example``.

A user's mistake (a bad file, an unknown wave, a bad option) gives one clear message on
stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from helpers import paths
from helpers.errors import SurveyError, ValidationError, os_error_message

__all__ = ["parser", "main"]


def _csv(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _validate(args) -> int:
    from helpers.ingest.validate import tidy_wave
    from helpers.ingest.wave import locate

    spec, _ = locate(args.wave)
    tidy = tidy_wave(spec)
    n = len(tidy.members)
    print(f"{spec.id}: no problems ({n} members, {int(tidy.members['answered'].sum())} respondents, "
          f"{len(tidy.relations)} ratings, {len(tidy.external)} external items)")
    return 0


def _init(args) -> int:
    from helpers.ingest.draft import write_draft

    path, draft = write_draft(args.export, roster=args.roster, out=args.out)
    for note in draft.notes:
        print(f"  {note}", file=sys.stderr)
    print(f"Drafted {path}: check every line marked 'guess' or 'TODO', then run forum-network validate "
          f"{path.parent}", file=sys.stderr)
    print(path)
    return 0


def _run(args) -> int:
    pool = _first_worker(args) if args.no_cache else None  # every step runs: the first kernel warms up now
    try:
        return _run_steps(args, pool)
    except BaseException:
        if pool is not None:  # the run closes it; unless it stopped before it took it over
            pool.close(kill=True)
        raise


def _run_steps(args, pool) -> int:
    """``run``, with the first worker if it was started (else it is started once the
    stamp says that steps will run)."""
    from helpers.pipeline.render import engine_description, engine_info
    from helpers.pipeline.stamp import unchanged

    info = engine_info(args.engine) if args.lang else None
    renderer = engine_description(info) if info else "no handout"
    print(f"Running {args.wave} (languages {', '.join(args.lang)}; {', '.join(args.to)}; rendered by {renderer})",
          file=sys.stderr)
    started = time.perf_counter()
    # nothing changed since the last run: say so before the scheduler and its libraries are imported
    steps = None if args.no_cache else unchanged(args.wave, langs=args.lang, formats=args.to, build=args.build,
                                                  seed=args.seed, engine=args.engine, renderer=info)
    if steps is not None:
        from helpers.ingest.wave import locate

        for name in steps:
            print(f"  {name:<22} {0.0:6.1f} s  cached", file=sys.stderr)
        print(f"  {'total':<22} {time.perf_counter() - started:6.1f} s", file=sys.stderr)
        _, folder = locate(args.wave, args.build)
        for lang in args.lang:
            for fmt in args.to:
                print(folder / "handout" / f"handout-{lang}.{fmt}")
            if "pdf" in args.to:
                print(folder / "handout" / f"table-card-{lang}.pdf")
        return 0
    pool = pool or _first_worker(args)
    try:
        from helpers.pipeline.scheduler import run

        report = run(args.wave, langs=args.lang, formats=args.to, build=args.build, seed=args.seed,
                     use_cache=not args.no_cache, jobs=args.jobs, progress=_progress, engine=args.engine, pool=pool)
    except BaseException:
        if pool is not None:  # the run closes it; unless it stopped before it took it over
            pool.close(kill=True)
        raise
    print(f"  {'total':<22} {time.perf_counter() - started:6.1f} s", file=sys.stderr)
    _visit_pairs_hint(args.wave, args.build)
    for path in report.handouts.values():
        print(path)
    return 0


def _first_worker(args):
    """For a run that will execute steps (``--no-cache``, or no cache yet), the first worker
    and its kernel, started before the scheduler and its libraries are imported
    (:func:`helpers.pipeline.pool.start`); else None."""
    from helpers.ingest.wave import locate
    from helpers.pipeline.defaults import CACHE_FOLDER
    from helpers.pipeline.pool import start

    try:
        _, folder = locate(args.wave, args.build)
    except (SurveyError, OSError):
        return None  # the run says what is wrong
    if not args.no_cache and (folder.parent / CACHE_FOLDER).is_dir():
        return None
    return start(paths.project_root())


def _visit_pairs_hint(wave, build) -> None:
    """Tell the operator (never the handout's readers) where the visit pairs go when a compared wave had none."""
    from helpers.ingest.wave import VISIT_PAIRS_FILE, locate
    from helpers.results.comparison import Comparison

    try:
        _, folder = locate(wave, build)
        summary = Comparison.load(folder).summary
    except (SurveyError, OSError):
        return
    if summary is None or "visits" in summary or "previous" not in summary:
        return
    try:
        previous, _ = locate(summary["previous"]["id"], build)
    except SurveyError:
        return
    print(f"  no visit pairs for {summary['previous']['id']}: put {VISIT_PAIRS_FILE} (from forum-network pairs) "
          f"in {previous.folder} to see whether the visits built relations", file=sys.stderr)


def _export(args) -> int:
    from helpers.ingest.keyfile import private_place
    from helpers.ingest.wave import locate
    from helpers.results.structure import Structure
    from helpers.results.tidy import Tidy

    if args.full and not args.out:
        raise SurveyError("--full writes personal data: give --out a folder under data/raw/ or outside the project")
    out = private_place(Path(args.out), "--out") if args.full else (Path(args.out) if args.out else None)
    _, folder = locate(args.wave, args.build)
    written = Structure.load(folder).export(Tidy.load(folder).graph, folder, full=args.full, out=out)
    for path in written.values():
        print(path)
    return 0


def _compare(args) -> int:
    from helpers.ingest.wave import locate
    from helpers.pipeline.scheduler import run
    from helpers.results.comparison import Comparison

    report = run(args.wave_b, previous=args.wave_a, langs=args.lang, formats=args.to, build=args.build,
                 seed=args.seed, progress=_progress, engine=args.engine)
    spec, folder = locate(args.wave_b, args.build)
    c = Comparison.load(folder).summary
    d = c["density"]
    print(f"{args.wave_a} -> {spec.id}: {c['members_both']} members in both waves ({c['joined']} joined, "
          f"{c['left']} left); density {d['a']:.3f} -> {d['b']:.3f} (change {d['difference']:+.3f}, "
          f"{d['level']:.0%} CI {d['ci_low']:+.3f} to {d['ci_high']:+.3f}); ties kept {c['ties'].get('kept', 0)}, "
          f"new {c['ties'].get('new', 0)}, dropped {c['ties'].get('dropped', 0)}; moves between core and "
          f"periphery: {len(c['movers'])}")
    _visit_pairs_hint(args.wave_b, args.build)
    for path in report.handouts.values():
        print(path)
    return 0


def _pairs(args) -> int:
    from helpers.handout import facilitator
    from helpers import io
    from helpers.analysis import visits
    from helpers.ingest.keycheck import check_ids
    from helpers.ingest.keyfile import private_place, read_key, refuse_overwrite
    from helpers.ingest.wave import VISIT_PAIRS_FILE, locate
    from helpers.lang import check_lang
    from helpers.pipeline.scheduler import run
    from helpers.results.structure import Structure
    from helpers.results.tidy import Tidy

    langs = [check_lang(code) for code in args.lang]
    # the files given are read and checked before the analysis runs, so a bad one fails at once
    exclusions = visits.read_exclusions(args.exclusions) if args.exclusions else None
    key = None
    if args.key:
        named = private_place(Path(args.key), "--key")
        key = read_key(named)
    run(args.wave, langs=(), build=args.build, seed=args.seed, progress=_progress)
    spec, folder = locate(args.wave, args.build)
    G = Tidy.load(folder).graph
    core = Structure.load(folder).core
    if exclusions is not None:
        check_ids({m for group in exclusions.pairs + exclusions.last_round for m in group}, set(G), args.exclusions,
                  spec.id)
    if key is not None:
        check_ids(key["member_id"], set(G), args.key, spec.id, complete=True)
        targets = [named.with_name(f"mail-merge-{spec.id}.csv")] + [
            facilitator.facilitator_path(folder, spec.id, code, args.key) for code in langs]
        refuse_overwrite([t for t in targets if t.exists()], args.force)
    plan = visits.propose_visits(G, core=core, exclusions=exclusions, seed=args.seed)
    out = folder / "visits"
    # names go beside the private key, never into the build folder
    merge = Path(args.key).with_name(f"mail-merge-{spec.id}.csv") if key is not None else out / "mail-merge.csv"
    written = [visits.write_visit_pairs(plan, out / VISIT_PAIRS_FILE), visits.write_mail_merge(plan, merge, key=key),
               io.write_sheet(plan.pairs, out / "pairs-explained.csv"), io.write_sheet(plan.groups, out / "groups.csv")]
    # the facilitator's sheet: always with pseudonyms (and every figure) into build/; with the key also
    # with names beside the key (the named sheet leaves out the figures about ties and the core)
    meta = Tidy.read_meta(folder)
    from helpers.handout.context import Context

    for code in langs:
        written.append(facilitator.write_facilitator(plan, G, facilitator.facilitator_path(folder, spec.id, code),
                                                     meta=meta, lang=code, core=core))
        # statements about single members (bridges, cut vertices, movers): facilitator material, pseudonyms only
        written.append(facilitator.write_member_statements(Context(folder, lang=code, seed=args.seed),
                                                           out / f"member-statements-{code}.md"))
        if key is not None:
            written.append(facilitator.write_facilitator(
                plan, G, facilitator.facilitator_path(folder, spec.id, code, args.key), meta=meta, lang=code,
                key=key, core=core))
    print(f"{spec.id}: {len(plan.pairs)} visit groups, {len(plan.groups)} wrap-up groups, score {plan.total_score}"
          + ("" if key is not None else " (pseudonyms only; give --key for names)"))
    for path in written:
        print(path)
    return 0


def _key(args) -> int:
    import pandas as pd

    from helpers import io
    from helpers.ingest.pseudonym import load_secret, pseudonym
    from helpers.ingest.wave import locate
    from helpers.ingest.readers import read_table
    from helpers.ingest.keyfile import private_place, refuse_overwrite

    out = private_place(Path(args.out), "--out")  # before the names are read
    refuse_overwrite([out] if out.exists() else [], args.force)
    spec, _ = locate(args.wave)
    columns = spec.roster_columns
    if "name" not in columns:
        raise SurveyError(f"{spec.id}: wave.yml maps no name column for the roster; there are no names to key")
    roster = read_table(spec.folder / spec.roster_file).frame
    secret = load_secret()
    key = pd.DataFrame({"member_id": [pseudonym(m, secret) for m in roster[columns["member_id"]]],
                        "name": roster[columns["name"]]}).sort_values("member_id")
    io.write_sheet(key, out)
    print(out)
    return 0


def _progress(step) -> None:
    print(f"  {step.name:<22} {step.seconds:6.1f} s  {step.status}", file=sys.stderr, flush=True)


def _example(args) -> int:
    from helpers.ingest.example import write_example_waves

    kwargs = {"dest": Path(args.dest)} if args.dest else {}
    for folder in write_example_waves(seed=args.seed, **kwargs):
        print(folder)
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for the docs and tests)."""
    from helpers.pipeline.defaults import DEFAULT_SEED, FORMATS

    p = argparse.ArgumentParser(prog="forum-network", description=(
        "Network analysis of a leadership forum's survey: from the survey tool's raw export to a handout."))
    sub = p.add_subparsers(dest="command", required=True)
    i = sub.add_parser("init", help="draft a wave.yml from a survey tool's export (never overwrites a file)")
    i.add_argument("export", help="the survey tool's export (CSV or XLSX)")
    i.add_argument("--roster", help="the members roster (CSV or XLSX; default: a roster file beside the export)")
    i.add_argument("--out", help="where to write the draft (default: wave.yml beside the export)")
    i.set_defaults(func=_init)
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
    r.add_argument("--jobs", type=int, default=None, help="most workers running notebooks at the same time (default: number of cores; a "
                        "forum-sized wave uses one, and a second for a second language on an idle machine)")
    r.add_argument("--engine", choices=("quarto", "builtin"), default="auto",
                   help="what renders the handout: quarto, or builtin (pandoc + Typst from the Python "
                        "environment); default: quarto when it is on PATH, else builtin")
    r.set_defaults(func=_run)
    c = sub.add_parser("compare", help="run WAVE_B compared with WAVE_A: the handout gains 'since last time'")
    c.add_argument("wave_a", help="the earlier wave (id or folder)")
    c.add_argument("wave_b", help="the later wave (id or folder)")
    for option in ("--lang", "--to", "--build", "--seed", "--engine"):
        c._add_action(next(a for a in r._actions if option in a.option_strings))
    c.set_defaults(func=_compare)
    pr = sub.add_parser("pairs", help="propose job-visit pairs and wrap-up groups from a wave's network")
    pr.add_argument("wave", help="wave id or folder")
    pr.add_argument("--exclusions", help="YAML file of pairs and rules to exclude")
    pr.add_argument("--key", help="CSV member_id,name (from `forum-network key`): write the mail-merge file and the "
                                  "facilitator PDF with names beside the key, outside the build folder")
    pr.add_argument("--lang", type=_csv, default=("da",),
                    help="languages of the facilitator PDF, comma separated: da,en (default da)")
    for option in ("--build", "--seed"):
        pr._add_action(next(a for a in r._actions if option in a.option_strings))
    pr.add_argument("--force", action="store_true", help="replace named files already beside the key")
    pr.set_defaults(func=_pairs)
    x = sub.add_parser("export", help="write the network for Gephi, Pajek and UCINET (after run): only attributes "
                                      "that single nobody out, or --full on the analyst's own machine")
    x.add_argument("wave", help="wave id or folder")
    x.add_argument("--full", action="store_true", help="every attribute and the ratings (personal data: needs --out "
                                                       "under data/raw/ or outside the project)")
    x.add_argument("--out", help="folder to write into (default: the wave's exports/ in the build folder)")
    x.add_argument("--build", default="build", help="build folder (default: build, in the project)")
    x.set_defaults(func=_export)
    k = sub.add_parser("key", help="write the local key from pseudonyms to names (personal data: keep it private)")
    k.add_argument("wave", help="wave id or folder")
    k.add_argument("--out", required=True, help="CSV to write, outside the project or under data/raw/")
    k.add_argument("--force", action="store_true", help="replace the file if it exists")
    k.set_defaults(func=_key)
    for command in (v, r, c, pr, k):
        command.add_argument("--new-key", action="store_true",
                             help="make a new pseudonym key where none is found, even though builds made under "
                                  "another key exist (every wave then gets new pseudonyms)")
    e = sub.add_parser("example", help="regenerate the synthetic example waves in data/example")
    e.add_argument("--dest", help="folder to write into (default: data/example)")
    e.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    e.set_defaults(func=_example)
    return p


def _key_ready(args) -> None:
    """Load (or, on first use or with ``--new-key``, make) the pseudonym key before any work starts."""
    if hasattr(args, "new_key"):
        from helpers.ingest.pseudonym import load_secret

        build = getattr(args, "build", "build")
        load_secret(new_key=args.new_key, build=paths.build_dir("wave", build).parent)


class _NeverRaised(Exception):
    """Stands for a class of a module that was not imported: nothing raised it."""


def _imported(module: str, name: str) -> type[BaseException]:
    """``module.name`` if the module was imported (so something may have raised it), else a class never raised.

    The command line catches the readers' errors without importing the readers (and pandas) itself.
    """
    return getattr(sys.modules.get(module), name, _NeverRaised)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``forum-network`` console script.

    Parameters
    ----------
    argv : list of str or None
        The command-line arguments after the program name; None reads them from
        :data:`sys.argv`.

    Returns
    -------
    int
        The exit status: that of the subcommand; 1 for invalid input (the problems are
        printed); 2 for another error (a survey error, an unreadable file or an operating
        system error, printed); 143 when terminated and 130 when interrupted.
    """
    from helpers.interrupt import Terminated, terminate_like_interrupt

    args = parser().parse_args(argv)
    try:
        with terminate_like_interrupt():
            _key_ready(args)
            return args.func(args)
    except ValidationError as exc:
        print(exc, file=sys.stderr)
        return 1
    except SurveyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except _imported("helpers.ingest.readers", "UnreadableFile") as exc:  # evaluated when something is raised
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {os_error_message(exc)}", file=sys.stderr)
        return 2
    except Terminated:
        print("terminated; outputs of finished steps are kept, nothing is half-written", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("interrupted; outputs of finished steps are kept, nothing is half-written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
