"""Noise-seeded modulation instability of the NLS plane wave, against linear stability theory.

The plane wave u = A exp(i A^2 t) of i u_t + u_xx/2 + |u|^2 u = 0 is unstable: a perturbation of
wave number k grows like exp(g(k) t) with g(k) = |k| sqrt(A^2 - k^2/4) for |k| < 2A (Benjamin &
Feir 1967; Zakharov 1968), fastest at k = sqrt(2) A with g = A^2. Seeded with 1e-8 noise, each
Fourier mode's amplitude is fitted over the linear stage and compared with g(k).
"""
import numpy as np

import symbolic as sy
from common import Check, report, save_plot

AMP, LENGTH, POINTS, NOISE = 1.0, 16 * np.pi * np.sqrt(2), 256, 1e-8
T_FIT, T_END = (6.0, 12.0), 25.0


def main(plot: bool = True) -> list[Check]:
    t, x = sy.symbols("t x", real=True)
    dom = sy.Domain(x=(0, LENGTH), points=POINTS, periodic=True)
    u = sy.Field("u", dom, dtype=complex)
    rng = np.random.default_rng(7)
    noise = NOISE * (rng.standard_normal(POINTS) + 1j * rng.standard_normal(POINTS))
    nls = sy.PDE(sy.Eq(sy.I * u.diff(t), -u.diff(x, 2) / 2 - sy.Abs(u) ** 2 * u),
                 initial={u: AMP + noise})
    sim = nls.compile(backend="numba", discretization="spectral", integrator="dop853")
    sol = sim.run(t_end=T_END, save_every=0.25, rtol=1e-10, atol=1e-14)
    spectra = np.abs(np.fft.fft(sol["u"], axis=1)) / POINTS
    k = 2 * np.pi * np.fft.fftfreq(POINTS, LENGTH / POINTS)
    fit = (sol.t >= T_FIT[0]) & (sol.t <= T_FIT[1])
    rates = np.polyfit(sol.t[fit], np.log(spectra[fit]), 1)[0]
    theory = np.abs(k) * np.sqrt(np.maximum(AMP ** 2 - k ** 2 / 4, 0.0))
    band = (k > 0.3) & (k < 1.8)
    worst = np.max(np.abs(rates[band] - theory[band]))
    kmax = k[band][np.argmax(rates[band])]
    checks = report(f"Modulation instability, A={AMP}, {POINTS} points, noise {NOISE:g} "
                    f"({sol.message})", [
        Check("max |g_measured - g_theory| for 0.3 < k < 1.8", worst, 0.0, 0.01),
        Check("fastest-growing k (theory sqrt(2) A)", kmax, np.sqrt(2) * AMP,
              2 * np.pi / LENGTH),
        Check("largest growth rate (theory A^2)", rates[band].max(), AMP ** 2, 0.01),
        Check("peak |u| after saturation (>= 2: a breather)",
              min(np.abs(sol["u"][-1]).max(), 2.0), 2.0, 0.0),
    ])
    if plot:
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(1, 2, figsize=(11, 4))
        order = np.argsort(k)
        ax[0].plot(k[order], rates[order], ".", label="measured")
        ax[0].plot(k[order], theory[order], "-", label="|k| sqrt(A^2 - k^2/4)")
        ax[0].set_xlim(-2.5, 2.5)
        ax[0].set_xlabel("k")
        ax[0].set_ylabel("growth rate")
        ax[0].legend()
        im = ax[1].pcolormesh(dom.grid()[0], sol.t, np.abs(sol["u"]), shading="auto")
        ax[1].set_xlabel("x")
        ax[1].set_ylabel("t")
        fig.colorbar(im, ax=ax[1], label="|u|")
        save_plot(fig, "modulation_instability")
    return checks


if __name__ == "__main__":
    main()
