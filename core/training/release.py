"""Publish a trained generator as a model file: the weights plus the facts a user needs in its metadata.

    python -m core.training.release RUN_DIR/best_g_ema.safetensors weights/facesr-faithful.safetensors \
        --name facesr-faithful --description "..." --license "..." --facts facts.json

The run's own training summary (local paths included) is replaced by the curated ``--facts`` JSON
(data and its terms, degradations, steps, hardware and hours, evaluation table, known limits), so the
shipped file says the same as weights/MODEL_CARD.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from core.models.store import ModelMetadata, load_generator, save_generator


def release(source: Path, target: Path, name: str, description: str, license: str,
            facts: dict[str, object]) -> ModelMetadata:
    """Write ``source``'s weights to ``target`` with new name/description/licence/training facts."""
    model, metadata = load_generator(source)
    metadata = dataclasses.replace(metadata, name=name, description=description, license=license, training=facts)
    save_generator(target, model, metadata)
    return metadata


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--name", required=True)
    parser.add_argument("--description", required=True)
    parser.add_argument("--license", required=True)
    parser.add_argument("--facts", type=Path, required=True, help="JSON file with the training facts")
    args = parser.parse_args(argv)
    facts = json.loads(args.facts.read_text(encoding="utf-8"))
    metadata = release(args.source, args.target, args.name, args.description, args.license, facts)
    sys.stdout.write(f"wrote {args.target} ({metadata.arch}, {metadata.input_size}px)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
