"""Reading and rewriting the contract of an existing ONNX model file, weights untouched (no torch needed).

``upgrade_contract`` turns a version 1 contract (no camera) into version 2 by adding the camera the model
was trained with; the shipped model was upgraded with it:

    python -m grasp_perception.model_file upgrade src/grasp_bringup/grasp_bringup/models/grasp_success.onnx
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import onnx

from grasp_perception.contract import CONTRACT_KEY, CONTRACT_VERSION, CameraSpec, ModelContract, ModelContractError


def read_metadata(path: str | Path) -> dict[str, str]:
    """The ONNX metadata_props of a model file."""
    proto = onnx.load(str(path), load_external_data=False)
    return {prop.key: prop.value for prop in proto.metadata_props}


def write_contract(path: str | Path, contract: ModelContract, out: str | Path | None = None) -> Path:
    """Replace the contract metadata of ``path`` (written to ``out``, default in place); the graph is kept
    byte for byte (checked)."""
    contract.validate()
    source = Path(path)
    target = Path(out) if out is not None else source
    proto = onnx.load(str(source))
    graph_before = proto.graph.SerializeToString()
    kept = [(p.key, p.value) for p in proto.metadata_props if p.key not in contract.metadata()]
    del proto.metadata_props[:]
    for key, value in [*kept, *contract.metadata().items()]:
        proto.metadata_props.add(key=key, value=value)
    onnx.checker.check_model(proto)
    if proto.graph.SerializeToString() != graph_before:
        raise RuntimeError("rewriting the metadata changed the graph")  # never expected
    target.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(proto, str(target))
    return target


def upgrade_contract(
    path: str | Path, camera: CameraSpec | None = None, out: str | Path | None = None
) -> ModelContract:
    """Rewrite a version 1 contract as version 2 with ``camera`` (default: the embedded world's wrist camera at
    the model's input size, which every version 1 model of this project was trained with)."""
    metadata = read_metadata(path)
    if CONTRACT_KEY not in metadata:
        raise ModelContractError(f"{path}: model has no contract (metadata key {CONTRACT_KEY!r})")
    data = json.loads(metadata[CONTRACT_KEY])
    version = data.get("contract_version")
    if version != 1:
        raise ModelContractError(f"{path}: contract_version is {version!r}; only version 1 is upgraded")
    image = data.get("image", {})
    camera = camera or CameraSpec.embedded_wrist(int(image.get("width", 64)), int(image.get("height", 64)))
    data["contract_version"] = CONTRACT_VERSION
    data["camera"] = dataclasses.asdict(camera)
    contract = ModelContract.from_dict(data)
    write_contract(path, contract, out)
    return contract


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grasp_perception.model_file", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    upgrade = sub.add_parser("upgrade", help="add the embedded wrist camera to a version 1 contract")
    upgrade.add_argument("model")
    upgrade.add_argument("--out", help="write here instead of in place")
    show = sub.add_parser("show", help="print the contract JSON")
    show.add_argument("model")
    args = parser.parse_args(argv)
    if args.command == "upgrade":
        contract = upgrade_contract(args.model, out=args.out)
        print(f"{args.out or args.model}: contract version {contract.contract_version}; camera: "
              f"{contract.camera.summary()}")
    else:
        metadata = read_metadata(args.model)
        print(json.dumps(json.loads(metadata.get(CONTRACT_KEY, "null")), indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
