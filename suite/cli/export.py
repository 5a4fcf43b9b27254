"""`suite export RUN`: a saved run -> `.tflite` + JSON sidecar.

The model is read from the run's `model.keras`, so any run exports; the
run's `config.json` goes into the sidecar's extras (`run_config`: task
settings, normalization statistics, vocabulary, labels) so a device has
what it needs. int8 calibration data comes from `--representative-data`
(a `.npy` array of training inputs, or a `.npz` with one array per input
name), else from the task module's `representative_inputs(folder)` if it
defines one.
"""

import importlib
from pathlib import Path

from suite.export import metadata  # TF-free, so parsing stays fast


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export a saved run to .tflite (builtin LiteRT ops only)",
    )
    parser.add_argument("run", help="run folder or name under saved_models/")
    parser.add_argument(
        "--form",
        choices=("window", "streaming"),
        default="window",
        help="batch-1 windows, or one step with explicit recurrent states",
    )
    parser.add_argument(
        "--quantization", choices=metadata.QUANTIZATIONS, default="none"
    )
    parser.add_argument(
        "--sequence-length",
        type=int,
        default=None,
        help="fix the window length (window form only)",
    )
    parser.add_argument(
        "--representative-data",
        type=Path,
        default=None,
        help=".npy/.npz of training inputs for int8 calibration",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output .tflite (default: RUN/<form>-<quantization>.tflite)",
    )
    parser.add_argument(
        "--allow-flex",
        action="store_true",
        help="permit Select-TF ops (needs the Flex delegate on the device)",
    )
    parser.set_defaults(handler=_export)


def _export(args) -> int:
    from suite.export import runs, tflite

    folder = runs.resolve_run(args.run)
    saved = runs.load_config(folder)
    task_export = _task_hook(saved.get("task"), "export_run")
    if task_export is not None:  # the task knows which sub-model ships
        out = args.out or folder / f"{args.form}-{args.quantization}.tflite"
        _report(task_export(folder, out, args.form, args.quantization))
        return 0
    model = runs.load_model(folder)
    data = None
    if args.quantization.startswith("int8"):
        data = _representative(args.representative_data, saved, folder)
    out = args.out or folder / f"{args.form}-{args.quantization}.tflite"
    result = tflite.export(
        model,
        out,
        form=args.form,
        sequence_length=args.sequence_length,
        quantization=args.quantization,
        representative_data=data,
        allow_flex=args.allow_flex,
        extras={"run": folder.name, "run_config": saved},
    )
    _report(result)
    return 0


def _report(result) -> None:
    print(f"wrote {result.path} ({result.size_bytes / 1024:.1f} KiB)")
    print(f"metadata {result.metadata_path}")
    print(f"ops: {', '.join(result.ops)}")
    if result.quantization.startswith("int8"):
        print(f"ops still in float: {', '.join(result.float_ops) or 'none'}")


def _representative(path, saved: dict, folder: Path):
    import numpy as np

    from suite.errors import SuiteError

    if path is not None:
        if not path.is_file():
            raise SuiteError(f"--representative-data {path} does not exist")
        loaded = np.load(path)
        if isinstance(loaded, np.ndarray):
            return loaded
        return {name: loaded[name] for name in loaded.files}
    hook = _task_hook(saved.get("task"), "representative_inputs")
    if hook is None:
        raise SuiteError(
            "int8 needs training inputs to calibrate: pass "
            "--representative-data FILE.npy (an array of training windows)"
        )
    return hook(folder)


def _task_hook(task, name: str):
    """`<name>` of `suite.tasks.<task>_runs` (the task's run folders) or of
    `suite.tasks.<task>`, whichever defines it first; else None."""
    if not task:
        return None
    for module_name in (f"suite.tasks.{task}_runs", f"suite.tasks.{task}"):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:  # a missing dependency: say so
                raise
            continue
        if hasattr(module, name):
            return getattr(module, name)
    return None
