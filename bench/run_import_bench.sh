#!/usr/bin/env bash
# Import time and peak memory for torchvision ResNet-18 and MobileNetV2, traced by Debian's
# python3-torchvision into build/bench-models (not committed: 45 MB).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/bench-models
[ -f build/bench-models/resnet18.pt ] ||
  /usr/bin/python3 tests/fixtures/make_fixtures.py --torchvision build/bench-models
for m in resnet18 mobilenet_v2; do
  build/bench/bench_import "build/bench-models/$m.pt"
done
