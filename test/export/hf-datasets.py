"""Loads mmif's exports with the real Hugging Face `datasets`, the way a trainer's user does, and reports what it
sees; test/export/datasets.test.ts makes the exports, runs this once for all of them and checks the report.

argv[1]: a JSON file {"datasets": [{"name", "builder": "json" | "parquet", "file", "media_dir"}],
                      "sources": {label: image path}}
stdout:  JSON {"versions", "sources": {label: image facts},
               "datasets": {name: {"rows", "columns", "declared_images", "declares_image", "records"}}}
Image facts of a decoded image: mode, size and the sha256 of its RGB pixels.
"""
import hashlib
import json
import os
import sys

import datasets
import PIL
from datasets import Image, List, load_dataset
from PIL import Image as PILImage


def facts(img):
    return {"mode": img.mode, "size": list(img.size), "pixels_sha256": hashlib.sha256(img.convert("RGB").tobytes()).hexdigest()}


def is_image_list(feature):
    return isinstance(feature, List) and isinstance(feature.feature, Image)


def load(spec):
    ds = load_dataset(spec["builder"], data_files=spec["file"], split="train")
    declared = ds.features["images"]
    if not is_image_list(declared):
        # Paths: relative ones resolve against the dataset folder (LLaMA-Factory's media_dir), then cast to Image.
        media = spec["media_dir"]
        ds = ds.map(lambda r: {"images": [p if os.path.isabs(p) else os.path.join(media, p) for p in r["images"]]})
        ds = ds.cast_column("images", List(Image()))
    records = []
    for row in ds:
        row = dict(row)
        row["images"] = [facts(im) for im in row["images"]]
        records.append(row)
    return {"rows": ds.num_rows, "columns": ds.column_names, "declared_images": repr(declared), "declares_image": is_image_list(declared), "records": records}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        plan = json.load(f)
    report = {
        "versions": {"datasets": datasets.__version__, "pillow": PIL.__version__},
        "sources": {label: facts(PILImage.open(path)) for label, path in plan["sources"].items()},
        "datasets": {spec["name"]: load(spec) for spec in plan["datasets"]},
    }
    json.dump(report, sys.stdout, ensure_ascii=False)


main()
