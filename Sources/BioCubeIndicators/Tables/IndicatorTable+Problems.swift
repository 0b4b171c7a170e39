import BioCubeCore

extension IndicatorTable {
    /// The problems of this table's rows on a grid: rows off the grid (ignored), rows
    /// repeating a cell (which row wins depends on the layout), and values float32 cannot hold. One wording for the scanner
    /// and the modality.
    func coverageProblems(offGrid: Int, duplicates: Int, file: String) -> [Problem] {
        var problems: [Problem] = []
        if offGrid > 0 {
            problems.append(
                Problem(
                    .warning,
                    .offGrid,
                    file: file,
                    message: "\(offGrid) of \(rowCount) rows lie off the grid and are ignored"
                )
            )
        }
        if duplicates > 0 {
            let rule =
                layout == .variableColumn
                ? "the last row per cell and indicator is used" : "the first row per cell is used"
            problems.append(
                Problem(
                    .warning,
                    .duplicateRows,
                    file: file,
                    message: "\(duplicates) rows repeat a grid cell: \(rule)"
                )
            )
        }
        if outOfRangeValues > 0 {
            problems.append(
                Problem(
                    .warning,
                    .valueOutOfRange,
                    file: file,
                    message:
                        "\(outOfRangeValues) values lie beyond float32 (|v| > 3.4e38, or infinite) and are stored as missing"
                )
            )
        }
        if let last = unterminatedLastField {
            problems.append(
                Problem(
                    .warning,
                    .unterminatedLastRow,
                    file: file,
                    message:
                        "the last row has no line end: if the file was cut there, its last value ('\(last)') may be partial"
                )
            )
        }
        return problems
    }
}
