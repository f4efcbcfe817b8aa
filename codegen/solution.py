"""`PDESolution`: snapshots of the fields, monitors over time, export to xarray/HDF5/NetCDF, plots."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class PDESolution:
    """Saved times ``t``, full-grid snapshots per field, monitor values, and how the run ended."""

    t: np.ndarray
    fields: dict
    monitors: dict
    coords: dict
    status: str
    message: str
    stats: dict = field(default_factory=dict)

    @classmethod
    def from_snapshots(cls, domain, sol, snapshots: list[dict]) -> "PDESolution":
        names = list(snapshots[0]) if snapshots else []
        fields = {n: np.array([s[n] for s in snapshots]) for n in names}
        coords = {a.name: a.grid() for a in domain.axes}
        monitors = {k: np.real_if_close(np.asarray(v), tol=1e6) for k, v in sol.monitors.items()}
        return cls(np.asarray(sol.t), fields, monitors,
                   coords, sol.status, sol.message, _stats(sol))

    @property
    def success(self) -> bool:
        return self.status == "success"

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.fields[name]
        except KeyError:
            raise KeyError(f"no field '{name}'; the solution has {', '.join(self.fields)}") from None

    def to_xarray(self):
        """An `xarray.Dataset` with dims (t, x[, y]) per field and monitors over t."""
        import xarray as xr
        dims = ("t",) + tuple(self.coords)
        data = {n: (dims, v) for n, v in self.fields.items()}
        data.update({f"monitor_{k}": (("t",), v) for k, v in self.monitors.items()})
        return xr.Dataset(data, coords={"t": self.t, **self.coords},
                          attrs={"status": self.status, "message": self.message})

    def save(self, path: str | Path) -> Path:
        """Save to HDF5 (``.h5``/``.hdf5``) or NetCDF (``.nc``; complex fields as re/im pairs)."""
        path = Path(path)
        if path.suffix in (".h5", ".hdf5"):
            import h5py
            with h5py.File(path, "w") as f:
                f["t"] = self.t
                for k, v in self.coords.items():
                    f[f"coords/{k}"] = v
                for k, v in self.fields.items():
                    f[f"fields/{k}"] = v
                for k, v in self.monitors.items():
                    f[f"monitors/{k}"] = v
                f.attrs["status"], f.attrs["message"] = self.status, self.message
        elif path.suffix == ".nc":
            ds = self.to_xarray()
            for name in list(ds.data_vars):
                if np.iscomplexobj(ds[name].values):
                    ds[f"{name}_real"], ds[f"{name}_imag"] = ds[name].real, ds[name].imag
                    ds = ds.drop_vars(name)
            ds.to_netcdf(path, engine="scipy")
        else:
            raise ValueError(f"cannot save to '{path.suffix}': use .h5, .hdf5 or .nc")
        return path

    def plot(self, name: str | None = None, path: str | Path | None = None) -> Any:
        """Space–time image (1D) or the last frame (2D) of a field; saved to ``path`` if given."""
        import matplotlib
        if path is not None:
            matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        name = name or next(iter(self.fields))
        data = self[name]
        data = np.abs(data) if np.iscomplexobj(data) else data
        fig, ax = plt.subplots(figsize=(6, 4))
        axes = list(self.coords.values())
        if data.ndim == 2:
            im = ax.pcolormesh(axes[0], self.t, data, shading="auto")
            ax.set_xlabel(list(self.coords)[0])
            ax.set_ylabel("t")
        else:
            im = ax.pcolormesh(axes[0], axes[1], data[-1].T, shading="auto")
            ax.set_xlabel(list(self.coords)[0])
            ax.set_ylabel(list(self.coords)[1])
        fig.colorbar(im, ax=ax, label=f"|{name}|" if np.iscomplexobj(self[name]) else name)
        ax.set_title(f"{name}, t = {self.t[0]:g} … {self.t[-1]:g}")
        if path is not None:
            fig.savefig(path, dpi=100, bbox_inches="tight")
            plt.close(fig)
        return fig


def _stats(sol) -> dict:
    """The integrator's counters (steps, evaluations, factorizations) as a plain dict."""
    stats = getattr(sol, "stats", None)
    if stats is None:
        return {}
    return dict(vars(stats)) if not isinstance(stats, dict) else dict(stats)
