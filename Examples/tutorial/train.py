"""Step 6 of the tutorial "Build a Cube, Add a Modality, Train from It": train from the
store with PyTorch, no batch files written. `make test` runs it on the tutorial's store.

    python Examples/tutorial/train.py /tmp/cube.zarr /tmp/stats.json
"""
import sys

import torch
from torch.utils.data import DataLoader

from biocube.torch import CubeDataset

store, stats = sys.argv[1], sys.argv[2]
ds = CubeDataset(store, normalise=stats, chip=(32, 32))
loader = DataLoader(ds, batch_size=None, shuffle=True, num_workers=2)

# Predict next month's 2 m temperature from this month's and the terrain height.
model = torch.nn.Conv2d(2, 1, kernel_size=3, padding=1)
optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(2):
    ds.set_epoch(epoch)
    for batch in loader:
        t2m = batch["surface_variables"]["t2m"]               # (2, 32, 32): two months
        height = batch["terrain_variables"]["height"][0]      # the group of our own
        inputs = torch.stack([t2m[0], torch.nan_to_num(height)])[None]
        loss = torch.nn.functional.mse_loss(model(inputs)[0, 0], t2m[1])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    print(f"epoch {epoch}: loss {loss.item():.4f}")
