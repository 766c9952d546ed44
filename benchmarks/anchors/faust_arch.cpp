// A bare architecture for timing a Faust DSP: compute() in blocks of 4096 frames, no I/O.
// Usage: ./p FRAMES [DUMP]  prints the seconds compute() took; DUMP writes the first output
// channel as raw float64 (to compare with neuromix sample for sample).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define FAUSTFLOAT double

struct Meta {
    void declare(const char*, const char*) {}
};
struct Soundfile {};
struct UI {
    void openTabBox(const char*) {}
    void openHorizontalBox(const char*) {}
    void openVerticalBox(const char*) {}
    void closeBox() {}
    void declare(FAUSTFLOAT*, const char*, const char*) {}
};
struct dsp {
    virtual ~dsp() {}
};

// the foreign functions of faust_common.lib: arithmetic in neuromix's order
static inline double nm_frac(double x) { return x - std::floor(x); }
static inline double nm_madd(double a, double b, double c) { return a + b * c; }
static inline double nm_exp(double x) { return std::exp(x); }

<<includeIntrinsic>>

<<includeclass>>

int main(int argc, char** argv) {
    const long frames = argc > 1 ? std::atol(argv[1]) : 48000;
    const int block = 4096;
    mydsp d;
    d.init(48000);
    const int channels = d.getNumOutputs();
    std::vector<std::vector<double>> buf(channels, std::vector<double>(block));
    std::vector<double*> outs(channels);
    for (int c = 0; c < channels; ++c) outs[c] = buf[c].data();
    FILE* dump = argc > 2 ? std::fopen(argv[2], "wb") : nullptr;
    double sink = 0.0;
    auto t0 = std::chrono::steady_clock::now();
    for (long done = 0; done < frames; done += block) {
        int n = (int)std::min<long>(block, frames - done);
        d.compute(n, nullptr, outs.data());
        sink += buf[0][n - 1];
        if (dump) std::fwrite(buf[0].data(), sizeof(double), n, dump);
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dump) std::fclose(dump);
    std::printf("%.6f %g\n", seconds, sink);
    return 0;
}
