#ifndef CFFTW_SHIM_H
#define CFFTW_SHIM_H
// FFTW 3 (double precision). Its planner is not thread-safe: BioCube creates and destroys
// plans under one lock; executing a plan on new arrays (fftw_execute_dft_r2c) is safe from
// any thread.
#include <fftw3.h>

/* Plans made with these flags run on arrays of any alignment (new-array execution). */
static const unsigned biocube_fftw_flags = FFTW_ESTIMATE | FFTW_UNALIGNED;

/* The power spectrum |X[k]|² of real `frame` (n samples) into `power` (n/2 + 1 values),
   through `plan` (an r2c plan of length n), `spectrum` holding n/2 + 1 complex values. */
static inline void biocube_fftw_power(fftw_plan plan, double *frame, double *spectrum, double *power, int n) {
    fftw_execute_dft_r2c(plan, frame, (fftw_complex *)spectrum);
    for (int k = 0; k <= n / 2; k++) {
        double re = spectrum[2 * k], im = spectrum[2 * k + 1];
        power[k] = re * re + im * im;
    }
}
#endif
