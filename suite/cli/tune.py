"""`suite tune tuning/<job>.toml [--workers N] [--results-dir DIR]`."""

import sys


def add_parser(subparsers) -> None:
    tune = subparsers.add_parser(
        "tune",
        help="run (or resume) a keras-tuner search job from a TOML spec",
        description=(
            "Runs the search of a job spec, writes the best-trials table "
            "and plots to the results folder and retrains the best "
            "configuration as a normal run in saved_models/. Re-run the same "
            "command to resume an interrupted search."
        ),
    )
    tune.add_argument("spec", help="job spec, e.g. tuning/airline_random.toml")
    tune.add_argument(
        "--workers",
        type=int,
        default=0,
        help="run a chief and N worker processes on 127.0.0.1 (gRPC)",
    )
    tune.add_argument(
        "--results-dir", help="results folder (default tuning/results/<job>)"
    )
    tune.add_argument(
        "--no-retrain",
        action="store_true",
        help="skip retraining the best configuration",
    )
    tune.add_argument("--verbose", type=int, default=1, choices=(0, 1))
    tune.add_argument(
        "--search-only",
        action="store_true",
        help="run only this process's part of the search (a chief or "
        "worker when KERASTUNER_* variables are set); no report, no retrain",
    )
    tune.set_defaults(handler=_tune)


def _tune(args) -> int:
    from suite.errors import SuiteError
    from suite.tuning import jobs, report, spec

    job = spec.load_spec(args.spec)
    if args.workers < 0:
        raise SuiteError(f"--workers must be >= 0, got {args.workers}")
    results = jobs.results_dir(job, args.results_dir)
    jobs.claim_results_dir(job, results)
    if args.search_only:
        jobs.search(job, results, args.verbose)
        return 0
    if args.workers:
        jobs.search_distributed(args.spec, results, args.workers, args.verbose)
    else:
        jobs.search(job, results, args.verbose)
    summary = jobs.finish(job, results, retrain=not args.no_retrain)
    print((results / report.BEST_MARKDOWN).read_text(encoding="utf-8"))
    print(
        f"{summary['completed']} of {summary['trials']} trials completed, "
        f"{summary['failed']} failed; results in {results}/"
    )
    if "run" in summary:
        print(f"best configuration retrained and saved to {summary['run']}/")
    sys.stdout.flush()
    return 0
