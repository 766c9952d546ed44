// The Eigen anchor: an N-neuron dense recurrent tanh net stepped once per sample,
//     x = tanh(W·x + b + w_in·input),
// the shape of an audio plug-in running a Dense layer then a Tanh layer every sample (a
// matrix-vector product, then Eigen's array tanh, vectorised in float only).
// Usage: ./eigen_rnn N double|float FRAMES  prints the seconds the loop took and a checksum.
#include <Eigen/Dense>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

template <typename T>
static double run(int n, long frames, double* checksum) {
    using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
    using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
    // fixed pseudo-random weights scaled to a spectral radius near 0.9, so the net rings
    unsigned state = 12345u;
    auto uniform = [&state]() {
        state = state * 1664525u + 1013904223u;
        return (state >> 8) * (2.0 / 16777216.0) - 1.0;
    };
    Matrix w(n, n);
    Vector bias(n), w_in(n), x = Vector::Zero(n), u(n);
    const double scale = 0.9 * std::sqrt(3.0 / n);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) w(i, j) = T(uniform() * scale);
    for (int i = 0; i < n; ++i) {
        bias(i) = T(0.1 * uniform());
        w_in(i) = T(uniform());
    }
    std::vector<T> input(4096);  // one block of a 110 Hz sine, reused
    for (int k = 0; k < 4096; ++k) input[k] = T(std::sin(6.283185307179586 * 110.0 * k / 48000.0));
    double sum = 0.0;
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < frames; ++i) {
        u.noalias() = w * x;
        u += bias + w_in * input[i & 4095];
        x = u.array().tanh();
        sum += double(x(0));
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    *checksum = sum;
    return seconds;
}

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s N double|float FRAMES\n", argv[0]);
        return 2;
    }
    const int n = std::atoi(argv[1]);
    const long frames = std::atol(argv[3]);
    double checksum = 0.0;
    double seconds = std::strcmp(argv[2], "float") == 0 ? run<float>(n, frames, &checksum)
                                                        : run<double>(n, frames, &checksum);
    std::printf("%.6f %g\n", seconds, checksum);
    return 0;
}
