// swift-tools-version:6.0
// PrecondBench: benchmarks preconditioning in consistency distillation, reproducibly.
// Layering (nothing imports upward): TensorCore <- Autodiff <- NeuralNet <- Diffusion <- Distillation;
// Datasets <- Metrics; CanonicalJSON (the one JSON writer, below everything that hashes or writes
// JSON); Harness <- Storage, Report; SyntheticResults (made-up results for tests and demos, not in
// the Harness library); the precond-bench executable on top.
// Every target declares exactly the modules its sources import (system modules aside).
import Foundation
import PackageDescription

// Kernels use explicit fused multiply-adds; they are single instructions only when the compiler
// targets a CPU with FMA. x86-64-v3 (Haswell and later, every Zen) is the floor we build for; the
// same flag applies to every target so that all Float arithmetic is compiled the same way.
//
// Kernel flavour, chosen when the package is built: `avx512` (AVX-512 F/DQ/BW/VL: 32 vector
// registers, so the GEMM register tile is 8 x 16 instead of 6 x 16, and 8-row packing) or `avx2`
// (x86-64-v3). Set PRECONDBENCH_KERNELS=avx2|avx512 to choose; otherwise the build machine's
// /proc/cpuinfo decides. Both flavours compute every element of every product as the same chain of
// fused multiply-adds in the same order, so results are bit-identical between them (the tests and
// the smoke suite's export prove it); an `avx512` binary stops with SIGILL on a CPU without AVX-512.
// SwiftPM caches the evaluated manifest: after changing PRECONDBENCH_KERNELS, delete `.build`.
func kernelFlavour() -> String {
  if let chosen = ProcessInfo.processInfo.environment["PRECONDBENCH_KERNELS"], !chosen.isEmpty {
    guard chosen == "avx2" || chosen == "avx512" else {
      fatalError("PRECONDBENCH_KERNELS must be avx2 or avx512, not '\(chosen)'")
    }
    return chosen
  }
  guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
    let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
  else { return "avx2" }
  let flags = Set(flagsLine.split(separator: " ").map(String.init))
  return ["avx512f", "avx512dq", "avx512bw", "avx512vl"].allSatisfy(flags.contains) ? "avx512" : "avx2"
}

#if arch(x86_64)
let cpuSettings: [SwiftSetting] =
  kernelFlavour() == "avx512"
  ? [.unsafeFlags(["-target-cpu", "skylake-avx512"]), .define("AVX512")]
  : [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let cpuSettings: [SwiftSetting] = []
#endif

func module(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
  .target(name: name, dependencies: dependencies, swiftSettings: cpuSettings)
}

// `exclude`: data files a test reads by #filePath (not bundled as resources).
func tests(_ name: String, _ dependencies: [Target.Dependency], exclude: [String] = []) -> Target {
  .testTarget(name: name, dependencies: dependencies + ["TestSupport"], exclude: exclude, swiftSettings: cpuSettings)
}

let package = Package(
  name: "PrecondBench",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "precond-bench", targets: ["precond-bench"]),
    .executable(name: "perf", targets: ["Perf"]),
  ],
  targets: [
    .systemLibrary(
      name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
      providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite3"])]),
    .systemLibrary(
      name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
    .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
    module("TensorCore", ["CMalloc"]),
    module("CanonicalJSON", []),
    module("Autodiff", ["TensorCore"]),
    module("NeuralNet", ["Autodiff", "TensorCore", "CanonicalJSON"]),
    module("Diffusion", ["Autodiff", "NeuralNet", "TensorCore", "CanonicalJSON"]),
    module("Distillation", ["Autodiff", "Diffusion", "NeuralNet", "TensorCore"]),
    module("Datasets", ["TensorCore", "CZlib"]),
    module("Metrics", ["Datasets", "TensorCore"]),
    module(
      "Harness",
      ["CanonicalJSON", "Datasets", "Diffusion", "Distillation", "Metrics", "NeuralNet", "TensorCore"]),
    module("Storage", ["CanonicalJSON", "Distillation", "Harness", "CSQLite"]),
    module("Report", ["CanonicalJSON", "Distillation", "Harness", "Metrics"]),
    module("SyntheticResults", ["CanonicalJSON", "Diffusion", "Harness", "TensorCore"]),
    .executableTarget(
      name: "precond-bench",
      dependencies: [
        "CanonicalJSON", "Datasets", "Diffusion", "Distillation", "Harness", "Metrics", "NeuralNet", "Report",
        "Storage", "SyntheticResults", "TensorCore",
      ],
      swiftSettings: cpuSettings),
    .executableTarget(
      name: "Perf", dependencies: ["TensorCore", "Autodiff", "NeuralNet", "Diffusion", "Distillation", "Metrics"],
      path: "Benchmarks/Perf", swiftSettings: cpuSettings),
    .target(
      name: "TestSupport", dependencies: ["TensorCore", "Autodiff", "Datasets", "Metrics"], path: "Tests/TestSupport",
      swiftSettings: cpuSettings),
    tests("TensorCoreTests", ["TensorCore"]),
    tests("CanonicalJSONTests", ["CanonicalJSON", "TensorCore"]),
    tests("AutodiffTests", ["Autodiff", "TensorCore"]),
    tests("NeuralNetTests", ["Autodiff", "NeuralNet", "TensorCore"]),
    tests("DiffusionTests", ["Diffusion", "NeuralNet", "TensorCore"]),
    tests("DistillationTests", ["Autodiff", "Diffusion", "Distillation", "NeuralNet", "TensorCore"], exclude: ["Fixtures"]),
    tests("DatasetsTests", ["Datasets", "TensorCore"]),
    tests("MetricsTests", ["Datasets", "Metrics", "TensorCore"], exclude: ["Fixtures"]),
    tests(
      "HarnessTests",
      ["CanonicalJSON", "Diffusion", "Distillation", "Harness", "Metrics", "SyntheticResults", "TensorCore"]),
    tests("StorageTests", ["CSQLite", "Harness", "Storage", "SyntheticResults"]),
    tests("ReportTests", ["Distillation", "Harness", "Report", "SyntheticResults"]),
    tests("PrecondBenchTests", ["Datasets", "precond-bench"]),
  ]
)
