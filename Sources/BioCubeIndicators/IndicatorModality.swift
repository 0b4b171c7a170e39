public import BioCubeCore

/// World Bank / NDVI / Red List / agriculture indicator CSVs as a `Modality`.
///
/// Each file is parsed once into an `IndicatorTable`; every step is then served from
/// memory: the month column of the step's month when the table has monthly columns,
/// otherwise the year column of the step's year. Cells without a value, rows off the grid
/// and steps outside a table's years are NaN (zero-filling is an export policy), and are
/// reported.
public final class IndicatorModality: Modality, Sendable {
    public var name: String { "indicators" }
    /// The parsed tables, in the order given.
    package let tables: [IndicatorTable]
    /// Where problems are reported.
    public let problems: ProblemLog
    private let groupTable: GroupTable

    /// Parses every file (once) on the calling thread.
    public convenience init(
        paths: [String],
        groupTable: GroupTable = .published,
        bareYearVariable: String = "Land",
        problems: ProblemLog = ProblemLog()
    ) throws {
        try self.init(
            tables: paths.map { try IndicatorTable(path: $0, bareYearVariable: bareYearVariable) },
            groupTable: groupTable,
            problems: problems
        )
    }

    /// Parses every file (once), splitting large files over up to `maxConcurrency` tasks.
    public static func load(
        paths: [String],
        groupTable: GroupTable = .published,
        bareYearVariable: String = "Land",
        problems: ProblemLog = ProblemLog(),
        maxConcurrency: Int = 2
    ) async throws -> IndicatorModality {
        var tables: [IndicatorTable] = []
        for p in paths {
            tables.append(
                try await IndicatorTable.load(
                    path: p,
                    bareYearVariable: bareYearVariable,
                    maxConcurrency: maxConcurrency
                )
            )
        }
        return IndicatorModality(tables: tables, groupTable: groupTable, problems: problems)
    }

    /// Wraps tables parsed already.
    package init(tables: [IndicatorTable], groupTable: GroupTable = .published, problems: ProblemLog = ProblemLog()) {
        self.problems = problems
        self.groupTable = groupTable
        self.tables = tables
        for t in tables where !t.ignoredColumns.isEmpty {
            problems.report(
                Problem(
                    .warning,
                    .ignoredColumns,
                    file: t.path,
                    message:
                        "columns ignored (not coordinates, country, Variable or time columns): \(t.ignoredColumns.prefix(10).joined(separator: ", "))"
                )
            )
        }
    }

    /// One variable per indicator, in first-seen order, with its group.
    public func variables() throws -> [VariableDescriptor] {
        var seen: Set<String> = []
        var out: [VariableDescriptor] = []
        for t in tables {
            for v in t.variables where seen.insert(v).inserted {
                let (groups, known) = groupTable.groups(for: v, hasLevels: false)
                if !known {
                    problems.report(
                        Problem(
                            .warning,
                            .ungroupedVariable,
                            file: t.path,
                            variable: v,
                            message: "not in the group table: exported in misc_variables"
                        )
                    )
                }
                out.append(VariableDescriptor(name: v, groups: groups))
            }
        }
        return out
    }

    /// The indicator at `step` on `grid`, `(H, W)`.
    public func read(_ variable: VariableDescriptor, at step: UTCDateTime, onto grid: Grid) throws -> Tensor {
        var plane = [Float](repeating: .nan, count: grid.cellCount)
        var provider: (IndicatorTable, Int, Int)? = nil
        var anyTable: IndicatorTable? = nil
        for t in tables {
            guard let v = t.variables.firstIndex(of: variable.name) else { continue }
            anyTable = anyTable ?? t
            guard let c = t.column(for: v, at: step) else { continue }
            if let (other, _, _) = provider {
                throw BioCubeError(
                    .invalidArgument,
                    "indicator '\(variable.name)' at \(step.dateString) is provided by \(other.path) and \(t.path): choose one source"
                )
            }
            provider = (t, v, c)
        }
        guard let anyTable else {
            throw BioCubeError(
                .notFound,
                "no indicator table provides '\(variable.name)' (files: \(tables.map(\.path).joined(separator: ", ")))"
            )
        }
        guard let (table, v, c) = provider else {
            problems.report(
                Problem(
                    .warning,
                    .missingSteps,
                    file: anyTable.path,
                    variable: variable.name,
                    step: step.description,
                    message: "no column for this step's year or month: NaN"
                )
            )
            return try Tensor(shape: [grid.height, grid.width], storage: plane)
        }
        let mapping = table.mapping(onto: grid)
        for problem in table.coverageProblems(
            offGrid: mapping.offGrid,
            duplicates: mapping.duplicates,
            file: table.path
        ) {
            problems.report(problem)
        }
        plane.withUnsafeMutableBufferPointer { table.scatter(column: c, variable: v, mapping: mapping, into: $0) }
        return try Tensor(shape: [grid.height, grid.width], storage: plane)
    }
}
