"""keras-tuner HyperModels: search spaces mapped onto task configs."""
