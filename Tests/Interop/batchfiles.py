"""Writes BioCube-layout safetensors batches from NumPy arrays (for crafted test inputs)."""
import json

from safetensors.numpy import save_file

GROUPS = ["surface_variables", "single_variables", "atmospheric_variables", "edaphic_variables",
          "climate_variables", "misc_variables", "forest_variables", "land_variables", "vegetation_variables",
          "agriculture_variables", "redlist_variables", "species_variables"]


def write_batch(path, tensors, stamps, latitudes=6, longitudes=7, levels=(1000.0, 850.0, 500.0), species=None):
    """tensors: {(group, name): float32 array}; writes the metadata BioCube's exporter writes."""
    order = [[g, [n for (gg, n) in tensors if gg == g]] for g in GROUPS]
    meta = {"timestamp": json.dumps(stamps), "latitudes": json.dumps([40 + 0.25 * i for i in range(latitudes)]),
            "longitudes": json.dumps([0.25 * i for i in range(longitudes)]), "pressure_levels": json.dumps(list(levels)),
            "species_list": json.dumps(species) if species is not None else "null", "groups": json.dumps(order),
            "format": "biocube-batch"}
    save_file({f"{g}/{n}": a for (g, n), a in tensors.items()}, str(path), metadata=meta)
