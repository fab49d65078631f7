#!/usr/bin/env bash
# The whole path on a network: a PyTorch model and its data become a task; solvers and verifiers (each its own
# process, on a local chain) train and check it; the verified model enters the zoo; `verity zoo get` brings it
# back as ONNX, and PyTorch evaluates it. Needs Debian's python3-torch and python3-onnx, and Node.js for the chain
# (verity-chain/setup-node-packages.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
verity=../../verity
python=(env LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3)
steps=${STEPS:-150}

"${python[@]}" make_model.py                                  # model.onnx, data.npz, initial.pt
rm -rf store net trained spec.json net.log
# 1. publish the model and the data, write the task's spec
$verity task spec --model model.onnx --data data.npz --store store --steps "$steps" --out spec.json
$verity task quote spec.json --store store | head -7
# 2. a network: a chain, a blob server, three solvers, three verifiers and a submitter that posts the task
$verity localnet --task spec.json --task-store store --keep net --explorer --port 0 --quiet > net.log 2>&1 &
net=$!
trap 'kill "$net" 2>/dev/null || true; wait "$net" 2>/dev/null || true' EXIT
echo "localnet: pid $net, log in net.log; waiting for the task to settle"
for _ in $(seq 900); do
  grep -q '^explorer:' net.log && break
  if ! kill -0 "$net" 2>/dev/null; then cat net.log; echo "the network stopped before the task settled" >&2; exit 1; fi
  sleep 1
done
grep -E '^(== task 1|zoo entry|  task|your model|explorer)' net.log || true
# 3. the verified model, from the zoo (its weights checked against the root registered on chain)
fetch=$(grep '^your model: verity zoo get' net.log | sed -E 's/^your model: verity //; s/ --out .*//')
mkdir -p trained
$verity $fetch --out trained/model.safetensors --onnx trained/model.onnx
kill "$net"; wait "$net" 2>/dev/null || true
trap - EXIT
# 4. back in PyTorch
"${python[@]}" back_in_pytorch.py
