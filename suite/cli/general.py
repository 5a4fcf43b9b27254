"""`suite models` and `suite demo`."""


def add_parser(subparsers) -> None:
    models = subparsers.add_parser("models", help="list registered models")
    models.set_defaults(handler=_models)
    demo = subparsers.add_parser(
        "demo", help="main job: stacked LSTM on airline passengers"
    )
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--run-name", default="demo-airline")
    demo.set_defaults(handler=_demo)


def _models(args) -> int:
    from suite.models import registry

    for name in registry.names():
        print(f"{name:20s} {registry.get(name).summary}")
    return 0


def _demo(args) -> int:
    from suite.tasks import forecasting_runs

    forecasting_runs.run_demo(seed=args.seed, run_name=args.run_name)
    return 0
