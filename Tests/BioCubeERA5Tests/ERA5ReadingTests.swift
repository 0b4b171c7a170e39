import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeERA5
@testable import BioCubeNetCDF

@Suite struct ERA5ReadingTests {
    @Test(arguments: ["t2m", "msl", "u10"], Fixtures.months)
    func newCDSSingleLevelIsExact(variable: String, month: String) throws {
        let file = try ERA5File(path: Fixtures.path("new/era5_single.nc"))
        let v = try file.variable(named: variable)
        let slices = file.slices(at: try UTCDateTime(parsing: month), cadence: .monthly)
        #expect(slices.count == 1)
        let t = try file.read(v, slice: slices[0], onto: .europe025)
        #expect(t.shape == [161, 281])
        #expect(maxDifference(t.storage, try Fixtures.expected(variable, month)) == 0)
    }

    @Test(arguments: ["t2m", "msl", "u10"], Fixtures.months)
    func legacyPackedGlobal0To360ReadsTheSame(variable: String, month: String) throws {
        let new = try ERA5File(path: Fixtures.path("new/era5_single.nc"))
        let old = try ERA5File(path: Fixtures.path("legacy/era5_single.nc"))
        let step = try UTCDateTime(parsing: month)
        let a = try new.read(
            new.variable(named: variable),
            slice: new.slices(at: step, cadence: .monthly)[0],
            onto: .europe025
        )
        let b = try old.read(
            old.variable(named: variable),
            slice: old.slices(at: step, cadence: .monthly)[0],
            onto: .europe025
        )
        let tolerance = try Fixtures.packingStep(variable) * 0.51 + abs(a.storage[0]) * 2e-7
        let diff = try #require(maxDifference(a.storage, b.storage))
        #expect(diff <= tolerance, "legacy \(variable) differs by \(diff) (> \(tolerance))")
        #expect(!b.storage.contains { $0.isNaN }, "expver merge left NaN cells")
    }

    @Test func legacyTimeAndExpverAreDecoded() throws {
        let old = try ERA5File(path: Fixtures.path("legacy/era5_single.nc"))
        #expect(old.times.map(\.description) == ["2000-01-01 00:00:00", "2000-02-01 00:00:00", "2000-03-01 00:00:00"])
        let v = try old.variable(named: "t2m")
        #expect(v.expverAxis == 1)
        #expect(v.units == "K" && v.longName == "2 metre temperature")
    }

    @Test(arguments: ["t", "z"], Fixtures.months)
    func pressureLevelsInBothLayouts(variable: String, month: String) throws {
        let new = try ERA5File(path: Fixtures.path("new/era5_pressure.nc"))
        let old = try ERA5File(path: Fixtures.path("legacy/era5_pressure.nc"))
        let step = try UTCDateTime(parsing: month)
        let nv = try new.variable(named: variable)
        let ov = try old.variable(named: variable)
        #expect(nv.levels == Fixtures.levels)
        #expect(ov.levels == Fixtures.levels.sorted())  // legacy stores ascending
        let a = try new.read(nv, slice: new.slices(at: step, cadence: .monthly)[0], onto: .europe025)
        #expect(a.shape == [13, 161, 281])
        #expect(maxDifference(a.storage, try Fixtures.expected(variable, month)) == 0)
        // Asking the legacy file for the new file's level order gives the same tensor.
        let order = Fixtures.levels.map { l in ov.levels!.firstIndex(of: l)! }
        let b = try old.read(ov, slice: old.slices(at: step, cadence: .monthly)[0], onto: .europe025, levelOrder: order)
        let tolerance = try Fixtures.packingStep(variable) * 0.51 + abs(a.storage[0]) * 2e-7
        #expect(try #require(maxDifference(a.storage, b.storage)) <= tolerance)
    }

    @Test func modalityReadsAZipDownloadAsOneSource() throws {
        let problems = ProblemLog()
        let era5 = try ERA5Modality(paths: [Fixtures.path("cds_download.zip")], problems: problems)
        let names = try era5.variables().map(\.name)
        #expect(Set(names) == ["t2m", "msl", "tp"])
        for month in Fixtures.months {
            for name in ["t2m", "tp"] {
                let d = try #require(try era5.variables().first { $0.name == name })
                let t = try era5.read(d, at: UTCDateTime(parsing: month), onto: .europe025)
                #expect(maxDifference(t.storage, try Fixtures.expected(name, month)) == 0)
            }
        }
    }

    @Test func groupsComeFromTheTable() throws {
        let era5 = try ERA5Modality(
            paths: [
                Fixtures.path("new/era5_single.nc"), Fixtures.path("new/era5_pressure.nc"),
                Fixtures.path("cds_download.zip"),
            ].suffix(2)
        )
        let byName = Dictionary(uniqueKeysWithValues: try era5.variables().map { ($0.name, $0) })
        #expect(byName["t2m"]?.groups == [.surface, .climate])
        #expect(byName["tp"]?.groups == [.climate])
        #expect(byName["z"]?.groups == [.atmospheric])
        #expect(byName["z"]?.levels == Fixtures.levels)
    }

    @Test func aMissingMonthIsNaNAndReportedNotAnError() throws {
        let problems = ProblemLog()
        let era5 = try ERA5Modality(paths: [Fixtures.path("new/era5_single.nc")], problems: problems)
        let t2m = try #require(try era5.variables().first { $0.name == "t2m" })
        let t = try era5.read(t2m, at: UTCDateTime(parsing: "2000-07"), onto: .europe025)
        #expect(t.storage.allSatisfy { $0.isNaN })
        #expect(problems.problems.contains { $0.step == "2000-07-01 00:00:00" && $0.code == .missingSteps })
    }

    @Test func overlappingSourcesForOneVariableAreAnError() throws {
        let era5 = try ERA5Modality(paths: [Fixtures.path("new/era5_single.nc"), Fixtures.path("cds_download.zip")])
        let t2m = try #require(try era5.variables().first { $0.name == "t2m" })
        let error = #expect(throws: BioCubeError.self) {
            try era5.read(t2m, at: UTCDateTime(parsing: "2000-01"), onto: .europe025)
        }
        #expect(error?.message.contains("era5_single.nc") == true)
    }

    @Test func partialCoverageIsNaNAndReported() throws {
        let problems = ProblemLog()
        let era5 = try ERA5Modality(paths: [Fixtures.path("new/era5_pressure.nc")], problems: problems)
        let grid = Grid.europe6Hourly  // wider than the file: lat 34…72, lon −30…50
        let z = try #require(try era5.variables().first { $0.name == "z" })
        let t = try era5.read(z, at: UTCDateTime(parsing: "2000-01"), onto: grid)
        #expect(t.shape == [13, 153, 321])
        #expect(t[0, 0, 20].isNaN == false)  // 72 N, −25 E is covered
        #expect(t[0, 0, 0].isNaN)  // −30 E is not
        #expect(problems.problems.contains { $0.code == .partialCoverage })
    }
}

@Suite struct ERA5TimeSelectionTests {
    @Test func severalSlicesInAMonthTakeTheFirstAndReport() throws {
        let problems = ProblemLog()
        let era5 = try ERA5Modality(paths: [Fixtures.path("new/era5_6hourly.nc")], problems: problems)
        let t2m = try #require(try era5.variables().first)
        let t = try era5.read(t2m, at: UTCDateTime(parsing: "2000-01"), onto: .europe025)
        // All four slices hold month index 0 of the formula; the first is used.
        #expect(maxDifference(t.storage, try Fixtures.expected("t2m", "2000-01")) == 0)
        #expect(problems.problems.contains { $0.code == .multipleSlices && $0.message.contains("4 time slices") })
    }

    @Test func sixHourlyCadenceMatchesExactTimes() throws {
        let problems = ProblemLog()
        let era5 = try ERA5Modality(
            paths: [Fixtures.path("new/era5_6hourly.nc")],
            cadence: .hours(6),
            problems: problems
        )
        let file = era5.files[0]
        #expect(file.slices(at: try UTCDateTime(parsing: "2000-01-01 06:00"), cadence: .hours(6)) == [1])
        #expect(file.slices(at: try UTCDateTime(parsing: "2000-01-01 03:00"), cadence: .hours(6)).isEmpty)
        let t2m = try #require(try era5.variables().first)
        let missing = try era5.read(t2m, at: UTCDateTime(parsing: "2000-01-02 00:00"), onto: .europe6Hourly)
        #expect(missing.storage.allSatisfy { $0.isNaN })
        #expect(problems.problems.count == 1)
    }

    @Test func surfaceAndPressureGeopotentialAreTwoVariables() throws {
        let era5 = try ERA5Modality(paths: [
            Fixtures.path("new/era5_pressure.nc"), Fixtures.path("new/era5_surface_z.nc"),
        ])
        let zs = try era5.variables().filter { $0.name == "z" }
        #expect(zs.map(\.groups) == [[.atmospheric], [.surface]])
        let step = try UTCDateTime(parsing: "2000-02")
        #expect(try era5.read(zs[0], at: step, onto: .europe025).shape == [13, 161, 281])
        let surface = try era5.read(zs[1], at: step, onto: .europe025)
        #expect(surface.shape == [161, 281])
        #expect(surface.storage.allSatisfy { $0 > 0 && $0 < 20_000 })
    }

    @Test func groupOverridesApply() throws {
        let era5 = try ERA5Modality(
            paths: [Fixtures.path("new/era5_single.nc")],
            groupTable: GroupTable.published.overriding(["u10": [.misc], "t2m": [.climate]])
        )
        let vars = try era5.variables()
        #expect(vars.first { $0.name == "u10" }?.groups == [.misc])
        #expect(vars.first { $0.name == "t2m" }?.groups == [.climate])
    }
}

@Suite struct DirectChunkTests {
    @Test(arguments: ["new/era5_single.nc", "new/era5_pressure.nc"])
    func directChunksReadExactlyWhatLibnetcdfReads(file: String) throws {
        let fast = try ERA5File(path: Fixtures.path(file))
        let slow = try ERA5File(path: Fixtures.path(file), directChunks: false)
        for v in fast.variables {
            for slice in fast.times.indices {
                let a = try fast.read(v, slice: slice, onto: .europe025)
                let b = try slow.read(
                    slow.variable(named: v.name),
                    slice: slice,
                    onto: .europe6Hourly.subgrid(latitudes: 0..<153, longitudes: 0..<321)
                )
                let c = try slow.read(slow.variable(named: v.name), slice: slice, onto: .europe025)
                #expect(a.isBitwiseEqual(to: c), "\(file) \(v.name) slice \(slice)")
                #expect(b.shape.last == 321)
            }
        }
    }

    static let netCDF3Files = [
        "legacy/era5_single.nc", "legacy/era5_pressure.nc", "legacy/era5_single_64bit_offset.nc",
        "legacy/era5_pressure_cdf5_double.nc", "legacy/era5_single_fixed_float.nc",
    ]

    /// netCDF-3 fields read with pread from the header's offsets (CDF-1, CDF-2, CDF-5;
    /// record and fixed variables; int16 packed, float, double; expver merged) equal what
    /// libnetcdf reads, on the whole grid and on a region whose rows start mid-file.
    @Test(arguments: netCDF3Files)
    func netCDF3FieldsReadExactlyWhatLibnetcdfReads(file: String) throws {
        let fast = try ERA5File(path: Fixtures.path(file))
        let slow = try ERA5File(path: Fixtures.path(file), directChunks: false)
        let region = Grid.europe025.subgrid(latitudes: 37..<101, longitudes: 12..<230)
        for v in fast.variables {
            for slice in fast.times.indices {
                for grid in [Grid.europe025, region] {
                    let a = try fast.read(v, slice: slice, onto: grid)
                    let b = try slow.read(slow.variable(named: v.name), slice: slice, onto: grid)
                    #expect(a.isBitwiseEqual(to: b), "\(file) \(v.name) slice \(slice) on \(grid.height)×\(grid.width)")
                }
            }
        }
    }

    /// Unpacked netCDF-3 values (doubles in CDF-5, floats in fixed variables) are the
    /// generator's values exactly.
    @Test(arguments: [("legacy/era5_pressure_cdf5_double.nc", "t"), ("legacy/era5_single_fixed_float.nc", "t2m")])
    func netCDF3UnpackedValuesAreExact(file: String, variable: String) throws {
        let f = try ERA5File(path: Fixtures.path(file))
        let v = try f.variable(named: variable)
        for month in Fixtures.months {
            var t = try f.read(
                v,
                slice: f.slices(at: UTCDateTime(parsing: month), cadence: .monthly)[0],
                onto: .europe025
            )
            if let levels = v.levels {  // stored ascending: put them in the expected (descending) order
                t = try f.read(
                    v,
                    slice: f.slices(at: UTCDateTime(parsing: month), cadence: .monthly)[0],
                    onto: .europe025,
                    levelOrder: Fixtures.levels.map { l in levels.firstIndex(of: l)! }
                )
            }
            #expect(
                maxDifference(t.storage, try Fixtures.expected(variable, month)) == 0,
                "\(file) \(variable) \(month)"
            )
        }
    }

    /// A legacy file cut short is refused when opened, naming the file, instead of its
    /// missing records reading as zeros (unpacked to add_offset).
    @Test func truncatedNetCDF3IsRefused() throws {
        let path = try Fixtures.path("bad/truncated_legacy.nc")
        let error = try #require(throws: BioCubeError.self) { try ERA5File(path: path) }
        #expect(error.code == .corruptData && error.message.contains(path) && error.message.contains("truncated"))
    }

    @Test func defaultChunkingFallsBackToLibnetcdfWithTheSameValues() throws {
        let fieldChunks = try ERA5File(path: Fixtures.path("new/era5_pressure.nc"))
        let defaultChunks = try ERA5File(path: Fixtures.path("new/era5_pressure_default_chunks.nc"))
        for name in ["t", "z"] {
            let a = try fieldChunks.read(fieldChunks.variable(named: name), slice: 1, onto: .europe025)
            let b = try defaultChunks.read(defaultChunks.variable(named: name), slice: 1, onto: .europe025)
            #expect(a.isBitwiseEqual(to: b))
        }
    }

    @Test func concurrentReadersOfOneFileAgree() async throws {
        let path = try Fixtures.path("new/era5_single.nc")
        let expected = try Fixtures.expected("t2m", "2000-02")
        try await withThrowingTaskGroup(of: [Float].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let f = try ERA5File(path: path)
                    return try f.read(f.variable(named: "t2m"), slice: 1, onto: .europe025).storage
                }
            }
            for try await values in group { #expect(maxDifference(values, expected) == 0) }
        }
    }
}

extension DirectChunkTests {
    @Test func fieldChunkedFilesTakeTheDirectPath() throws {
        let single = try NetCDFFile.open(path: Fixtures.path("new/era5_single.nc"))
        let reader = try #require(single.chunkReader())
        var field = [Float](repeating: 0, count: 181 * 321)
        let direct = try field.withUnsafeMutableBufferPointer {
            try reader.readField(variable: "t2m", offset: [1, 0, 0], latitudeAxis: 1, longitudeAxis: 2, into: $0)
        }
        #expect(direct)
        #expect(field.allSatisfy { $0 > 200 && $0 < 350 })
        #expect(try NetCDFFile.open(path: Fixtures.path("legacy/era5_single.nc")).chunkReader() == nil)
    }

    /// netCDF4-python's default chunks span several steps and levels: the direct path
    /// assembles each field from its tiles, inflating every chunk once for all its fields.
    @Test func multiFieldChunksAreDecodedOnceAndReadExactly() throws {
        let path = try Fixtures.path("new/era5_pressure_default_chunks.nc")
        let file = try NetCDFFile.open(path: path)
        let reader = try #require(file.chunkReader())
        let slow = try ERA5File(path: path, directChunks: false)
        var reads = 0
        for pass in 0..<2 {
            let before = reader.cacheCounts.inflated
            for v in slow.variables {
                for slice in slow.times.indices {
                    for level in 0..<(v.levels?.count ?? 1) {
                        var field = [Float](repeating: 0, count: 161 * 281)
                        let direct = try field.withUnsafeMutableBufferPointer {
                            try reader.readField(
                                variable: v.name,
                                offset: [slice, level, 0, 0],
                                latitudeAxis: 2,
                                longitudeAxis: 3,
                                into: $0
                            )
                        }
                        #expect(direct)
                        reads += 1
                        let expected = try slow.read(v, slice: slice, onto: .europe025, levelOrder: [level]).storage
                        // The file's rows run north to south; the grid's south to north.
                        let flipped = (0..<161).flatMap { r in field[((160 - r) * 281)..<((161 - r) * 281)] }
                        #expect(
                            flipped == expected
                                || zip(flipped, expected).allSatisfy { $0.isNaN && $1.isNaN || $0 == $1 },
                            "\(v.name) \(slice) \(level)"
                        )
                    }
                }
            }
            if pass == 1 { #expect(reader.cacheCounts.inflated == before, "the second pass is served from the cache") }
        }
        #expect(
            reader.cacheCounts.inflated < reads / 2,
            "chunks are shared by several fields: \(reader.cacheCounts) for \(reads) reads"
        )
        // And through ERA5File, the same values as libnetcdf.
        let fast = try ERA5File(path: path)
        for v in fast.variables {
            let a = try fast.read(v, slice: 1, onto: .europe025)
            let b = try slow.read(slow.variable(named: v.name), slice: 1, onto: .europe025)
            #expect(a.isBitwiseEqual(to: b), "\(v.name)")
        }
    }
}

extension DirectChunkTests {
    /// Fletcher-32 after deflate + shuffle (checksums verified), and zstd from the HDF5
    /// plugin (which this machine's libnetcdf cannot decode): read as raw chunks, the same
    /// values as the deflate file read through libnetcdf.
    @Test(arguments: ["new/era5_pressure_fletcher32.nc", "new/era5_pressure_zstd.nc"])
    func otherFiltersAreDecodedDirectly(file: String) throws {
        let path = try Fixtures.path(file)
        let reference = try ERA5File(path: Fixtures.path("new/era5_pressure.nc"), directChunks: false)
        let fast = try ERA5File(path: path)
        #expect(fast.slowPath.isEmpty, "\(fast.slowPath)")
        let reader = try #require(try NetCDFFile.open(path: path).chunkReader())
        var field = [Float](repeating: 0, count: 161 * 281)
        let direct = try field.withUnsafeMutableBufferPointer {
            try reader.readField(variable: "t", offset: [2, 12, 0, 0], latitudeAxis: 2, longitudeAxis: 3, into: $0)
        }
        #expect(direct)
        for v in fast.variables {
            for slice in fast.times.indices {
                let a = try fast.read(v, slice: slice, onto: .europe025)
                let b = try reference.read(reference.variable(named: v.name), slice: slice, onto: .europe025)
                #expect(a.isBitwiseEqual(to: b), "\(file) \(v.name) slice \(slice)")
            }
        }
    }

    /// Big-endian floats are not decoded directly: read through libnetcdf with the same
    /// values, and the reason is reported (the build report lists it as info).
    @Test func unsupportedLayoutsFallBackToLibnetcdfAndSaySo() throws {
        let path = try Fixtures.path("new/era5_pressure_big_endian.nc")
        let file = try ERA5File(path: path)
        #expect(file.slowPath.map(\.name).sorted() == ["t", "z"])
        #expect(file.slowPath.allSatisfy { $0.reason.contains("big-endian") }, "\(file.slowPath)")
        let reference = try ERA5File(path: Fixtures.path("new/era5_pressure.nc"))
        for v in file.variables {
            let a = try file.read(v, slice: 1, onto: .europe025)
            let b = try reference.read(reference.variable(named: v.name), slice: 1, onto: .europe025)
            #expect(a.isBitwiseEqual(to: b), "\(v.name)")
        }
        let log = ProblemLog()
        _ = try ERA5Modality(paths: [path], problems: log)
        #expect(log.problems.contains { $0.severity == .info && $0.variable == "t" && $0.code == .slowRead })
    }

    /// A damaged byte in checksummed data is an error naming the file, never wrong values.
    @Test func aDamagedChecksummedChunkIsAnError() throws {
        let source = try Fixtures.path("new/era5_pressure_fletcher32.nc")
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: source)))
        // The chunks follow the metadata: damage the data of one, three quarters in.
        bytes[bytes.count * 3 / 4] ^= 0x55
        let tmp = TemporaryDirectory("damaged")
        let path = tmp.file("damaged.nc")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let file = try ERA5File(path: path)
        let error = #expect(throws: BioCubeError.self) {
            for v in file.variables {
                for slice in file.times.indices { _ = try file.read(v, slice: slice, onto: .europe025) }
            }
        }
        #expect(error?.code == .corruptData, "\(String(describing: error))")
        #expect(error?.message.contains(path) == true, "\(String(describing: error))")
    }
}
