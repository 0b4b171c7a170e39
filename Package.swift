// swift-tools-version:6.2
import PackageDescription

// Imports are internal unless a file says `public import`: a dependency's types appear in
// BioCube's public interface only where a file states it.
let librarySettings: [SwiftSetting] = [.enableUpcomingFeature("InternalImportsByDefault")]

let package = Package(
    name: "BioCube",
    products: [
        .library(name: "BioCubeCore", targets: ["BioCubeCore"]),
        .library(name: "BioCubeTransfer", targets: ["BioCubeTransfer"]),
        .library(name: "BioCubeERA5", targets: ["BioCubeERA5"]),
        .library(name: "BioCubeIndicators", targets: ["BioCubeIndicators"]),
        .library(name: "BioCubeSpecies", targets: ["BioCubeSpecies"]),
        .library(name: "BioCubeBatch", targets: ["BioCubeBatch"]),
        .library(name: "BioCubeBuild", targets: ["BioCubeBuild"]),
        .library(name: "BioCubeViewer", targets: ["BioCubeViewer"]),
        .library(name: "BioCubeMedia", targets: ["BioCubeMedia"]),
        .library(name: "BioCube", targets: ["BioCube"]),
        // The C ABI (Sources/BioCubeC/biocube.h) behind the Python package in python/.
        .library(name: "BioCubeC", type: .dynamic, targets: ["BioCubeC"]),
        .executable(name: "biocube", targets: ["biocube"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // MARK: System libraries (Debian packages; pkg-config names them)
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .systemLibrary(
            name: "CHDF5",
            pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"]), .brew(["hdf5"])]
        ),
        .systemLibrary(
            name: "CNetCDF",
            pkgConfig: "netcdf",
            providers: [.apt(["libnetcdf-dev"]), .brew(["netcdf"])]
        ),

        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl"])]
        ),
        .systemLibrary(
            name: "CJPEG",
            pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev"]), .brew(["jpeg-turbo"])]
        ),
        .systemLibrary(
            name: "CPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"]), .brew(["libpng"])]
        ),
        .systemLibrary(
            name: "CMPG123",
            pkgConfig: "libmpg123",
            providers: [.apt(["libmpg123-dev"]), .brew(["mpg123"])]
        ),

        .systemLibrary(
            name: "CSoxr",
            pkgConfig: "soxr",
            providers: [.apt(["libsoxr-dev"]), .brew(["libsoxr"])]
        ),
        .systemLibrary(
            name: "CFFTW",
            pkgConfig: "fftw3",
            providers: [.apt(["libfftw3-dev"]), .brew(["fftw"])]
        ),
        .systemLibrary(
            name: "CISAL",
            pkgConfig: "libisal",
            providers: [.apt(["libisal-dev"]), .brew(["isa-l"])]
        ),

        // glibc's <malloc.h> (mallopt); part of libc, nothing to link.
        .systemLibrary(name: "CGlibc"),

        // MARK: Libraries
        .target(
            name: "BioCubeCore",
            dependencies: [
                "CZstd", "CZlib", "CGlibc", "CISAL",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: librarySettings
        ),
        // Transfers: the HTTP transport (redirects, retries, rate limits, redaction), resumable
        // downloads, the download manifest and the Hugging Face client. Only the download
        // clients need it: the store and batches build without networking.
        .target(name: "BioCubeTransfer", dependencies: ["BioCubeCore", "CCrypto"], swiftSettings: librarySettings),
        // NetCDF and HDF5 reading (every libnetcdf call behind one lock, raw HDF5 chunks,
        // netCDF-3 records) and writing, package-level: shared by ERA5 and NDVI ingestion.
        .target(
            name: "BioCubeNetCDF",
            dependencies: ["BioCubeCore", "CNetCDF", "CHDF5", "CZlib"],
            swiftSettings: librarySettings
        ),
        .target(
            name: "BioCubeERA5",
            dependencies: ["BioCubeCore", "BioCubeTransfer", "BioCubeNetCDF", "CZlib"],
            swiftSettings: librarySettings
        ),
        .target(
            name: "BioCubeIndicators",
            dependencies: ["BioCubeCore", "BioCubeTransfer", "BioCubeParquet", "BioCubeNetCDF"],
            resources: [.copy("Resources/countries.geojson")],
            swiftSettings: librarySettings
        ),
        // Parquet reading and writing (package-level), shared by the species, media and
        // indicator targets.
        .target(name: "BioCubeParquet", dependencies: ["BioCubeCore"], swiftSettings: librarySettings),
        .target(
            name: "BioCubeSpecies",
            dependencies: ["BioCubeCore", "BioCubeTransfer", "BioCubeParquet"],
            swiftSettings: librarySettings
        ),
        // Batches, sampler, exporters, statistics, the batch-file reader: no C library but
        // libzstd/zlib (through BioCubeCore), so reading batches needs no netCDF or HDF5.
        .target(name: "BioCubeBatch", dependencies: ["BioCubeCore"], swiftSettings: librarySettings),
        // Scanning and building a store from any modality sources (plug-ins).
        .target(name: "BioCubeBuild", dependencies: ["BioCubeCore", "BioCubeBatch"], swiftSettings: librarySettings),
        // The embedded sample dataset generator (writes NetCDF, CSV and Parquet).
        .target(
            name: "BioCubeSample",
            dependencies: [
                "BioCubeCore", "BioCubeERA5", "BioCubeIndicators", "BioCubeSpecies", "BioCubeParquet", "BioCubeNetCDF",
            ],
            swiftSettings: librarySettings
        ),
        // Species media: downloads (iNaturalist, xeno-canto, BOLD, descriptions) and the
        // preprocessing of photos, sounds, DNA sequences and texts into tensors.
        .target(
            name: "BioCubeMedia",
            dependencies: [
                "BioCubeCore", "BioCubeTransfer", "BioCubeParquet", "CJPEG", "CPNG", "CMPG123", "CSoxr", "CFFTW",
            ],
            swiftSettings: librarySettings
        ),
        // The C ABI over BioCubeBatch: windows read into caller-owned buffers (python/ loads it).
        .target(
            name: "BioCubeC",
            dependencies: ["BioCubeCore", "BioCubeBatch"],
            exclude: ["biocube.h"],
            swiftSettings: librarySettings
        ),
        // PNG maps and the HTML batch viewer.
        .target(name: "BioCubeViewer", dependencies: ["BioCubeCore", "BioCubeBatch"], swiftSettings: librarySettings),
        // Everything, with the built-in sources registered (ERA5, indicators, species).
        .target(
            name: "BioCube",
            dependencies: [
                "BioCubeCore", "BioCubeTransfer", "BioCubeERA5", "BioCubeIndicators", "BioCubeSpecies", "BioCubeBatch",
                "BioCubeBuild", "BioCubeMedia",
            ],
            swiftSettings: librarySettings
        ),

        // MARK: Executables
        // Process-wide tuning (the C allocator, crash-test kill points) that only an executable may opt into: no library
        // target depends on it, so no library call changes its host process.
        .target(
            name: "_BioCubeProcessTuning",
            dependencies: ["BioCubeCore", "CGlibc"],
            swiftSettings: librarySettings
        ),
        .executableTarget(
            name: "biocube",
            dependencies: [
                "BioCube", "BioCubeSample", "BioCubeViewer", "BioCubeMedia", "BioCubeParquet", "_BioCubeProcessTuning",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "store-quickstart",
            dependencies: ["BioCubeCore"],
            path: "Examples/store-quickstart"
        ),
        // Test data the interoperability tests read back (not part of the user CLI).
        .executableTarget(
            name: "biocube-testdata",
            dependencies: [
                "BioCube", "BioCubeParquet", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tests/Tools/biocube-testdata"
        ),
        .executableTarget(
            name: "biocube-fuzz",
            dependencies: [
                "BioCubeParquet", "BioCubeCore", "BioCubeBatch", "BioCubeIndicators", "BioCubeNetCDF", "BioCubeMedia",
            ],
            path: "Tests/Fuzz/BioCubeFuzz"
        ),
        .executableTarget(
            name: "region-slice",
            dependencies: ["BioCubeBatch", "BioCubeCore"],
            path: "Examples/region-slice"
        ),
        .executableTarget(
            name: "normalise",
            dependencies: ["BioCubeBatch", "BioCubeCore"],
            path: "Examples/normalise"
        ),
        .executableTarget(name: "read-era5", dependencies: ["BioCubeERA5", "BioCubeCore"], path: "Examples/read-era5"),
        .executableTarget(
            name: "npy-exporter",
            dependencies: ["BioCubeBatch", "BioCubeCore"],
            path: "Examples/npy-exporter"
        ),
        .executableTarget(
            name: "tutorial",
            dependencies: ["BioCube"],
            path: "Examples/tutorial",
            exclude: ["train.py"]
        ),
        .executableTarget(
            name: "species-media",
            dependencies: ["BioCubeMedia", "BioCubeCore"],
            path: "Examples/species-media"
        ),
        .executableTarget(
            name: "biocube-bench",
            dependencies: [
                "BioCube", "BioCubeSample", "BioCubeMedia", "BioCubeParquet", "CZstd", "_BioCubeProcessTuning",
            ],
            path: "Benchmarks/biocube-bench"
        ),

        // MARK: Tests
        // Shared by the test targets: temporary folders, fixture locators, a loopback HTTP server.
        .target(name: "BioCubeTestSupport", dependencies: ["BioCubeCore", "BioCubeTransfer"], path: "Tests/Support"),
        .testTarget(
            name: "BioCubeCoreTests",
            dependencies: ["BioCubeCore", "BioCubeTransfer", "CZstd", "BioCubeTestSupport", "_BioCubeProcessTuning"]
        ),
        .testTarget(name: "BioCubeERA5Tests", dependencies: ["BioCubeERA5", "BioCubeNetCDF", "BioCubeTestSupport"]),
        .testTarget(name: "BioCubeIndicatorsTests", dependencies: ["BioCubeIndicators", "BioCubeTestSupport"]),
        .testTarget(
            name: "BioCubeSpeciesTests",
            dependencies: ["BioCubeSpecies", "BioCubeParquet", "BioCubeTestSupport"]
        ),
        .testTarget(name: "BioCubeMediaTests", dependencies: ["BioCubeMedia", "BioCubeTestSupport"]),
        .testTarget(
            name: "BioCubeBatchTests",
            dependencies: [
                "BioCube", "BioCubeBatch", "BioCubeBuild", "BioCubeSample", "BioCubeViewer", "BioCubeTestSupport",
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Warnings are errors in BioCube's own builds: the Makefile sets BIOCUBE_WARNINGS_AS_ERRORS=1
// for every target it runs (so `make test` and CI fail on a new warning). It is not set in the
// manifest unconditionally, because a package that uses BioCube must never fail on a warning
// its compiler adds (SwiftPM suppresses dependencies' warnings, and Xcode rejects
// `-warnings-as-errors` next to `-suppress-warnings`).
if Context.environment["BIOCUBE_WARNINGS_AS_ERRORS"] == "1" {
    for target in package.targets where target.type != .system {
        target.swiftSettings = (target.swiftSettings ?? []) + [.treatAllWarnings(as: .error)]
    }
}
