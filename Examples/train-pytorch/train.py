"""A minimal training loop over a BioCube store — copy it and grow it.

A small convolutional network learns next month's 2 m temperature from this month's surface
variables, reading windows straight from the store with ``biocube.torch.CubeDataset`` (no
batch files): normalised with the store's statistics, cut to random chips, shuffled by a
``DataLoader`` with worker processes; a checkpoint is written every ``--checkpoint-every``
steps and picked up again by a rerun.

    python Examples/train-pytorch/train.py --store cube.zarr --stats stats.json --steps 20
    torchrun --nproc-per-node 2 Examples/train-pytorch/train.py --store cube.zarr --stats stats.json

(``biocube stats --store cube.zarr --out stats.json`` writes the statistics.)
"""
import argparse
import os
import time

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler

from biocube.torch import CubeDataset

INPUTS = ["t2m", "msl", "u10", "v10"]  # surface_variables used as inputs (channels)


class NextMonth(nn.Module):
    """Surface variables at step 0 → 2 m temperature at step 1 (both normalised)."""

    def __init__(self, channels: int, width: int = 32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, 3, padding=1), nn.GELU(),
            nn.Conv2d(width, width, 3, padding=1), nn.GELU(),
            nn.Conv2d(width, 1, 1))

    def forward(self, x):
        return self.net(x)


def inputs_and_target(item):
    """The item's (channels, H, W) input at step 0 and (1, H, W) target at step 1; NaN → 0."""
    surface = item["surface_variables"]
    x = torch.stack([surface[name][0] for name in INPUTS])
    y = surface["t2m"][1:2]
    mask = ~torch.isnan(y)
    return torch.nan_to_num(x), torch.nan_to_num(y), mask


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--store", required=True)
    p.add_argument("--stats", required=True, help="normalisation statistics (biocube stats)")
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--chip", type=int, nargs=2, default=[64, 64], metavar=("H", "W"))
    p.add_argument("--chips-per-window", type=int, default=4)
    p.add_argument("--checkpoint", default="train-pytorch.ckpt")
    p.add_argument("--checkpoint-every", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    args = p.parse_args()

    distributed = "RANK" in os.environ  # started by torchrun
    if distributed:
        dist.init_process_group("gloo")
    rank = dist.get_rank() if distributed else 0

    ds = CubeDataset(args.store, variables="-forest:*", normalise=args.stats, chip=tuple(args.chip),
                     chips_per_window=args.chips_per_window, seed=1234)
    sampler = DistributedSampler(ds, shuffle=True) if distributed else None
    loader = DataLoader(ds, batch_size=None, shuffle=sampler is None, sampler=sampler, num_workers=args.workers)

    model = NextMonth(len(INPUTS))
    if distributed:
        model = nn.parallel.DistributedDataParallel(model)
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr)
    step, epoch = 0, 0
    if os.path.exists(args.checkpoint):
        state = torch.load(args.checkpoint, weights_only=True)
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        step, epoch = state["step"], state["epoch"]
        print(f"resumed from {args.checkpoint} at step {step}")

    started = time.perf_counter()
    while step < args.steps:
        ds.set_epoch(epoch)
        if sampler is not None:
            sampler.set_epoch(epoch)
        for item in loader:
            x, y, mask = inputs_and_target(item)
            prediction = model(x[None])[0]
            loss = ((prediction - y)[mask] ** 2).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            step += 1
            if rank == 0:
                print(f"epoch {epoch} step {step} loss {loss.item():.4f} "
                      f"window {item['batch_metadata']['timestamp'][0]}", flush=True)
            if rank == 0 and step % args.checkpoint_every == 0:
                torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(),
                            "step": step, "epoch": epoch}, args.checkpoint)
            if step >= args.steps:
                break
        epoch += 1
    if rank == 0:
        torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "step": step,
                    "epoch": epoch}, args.checkpoint)
        print(f"trained {step} steps in {time.perf_counter() - started:.1f} s → {args.checkpoint}")
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
