extension ZarrArray {
    /// The number of chunk files present (written) out of the chunk grid's
    /// `metadata.chunkGridShape.reduce(1, *)`: how far a build got, what `biocube store info`
    /// shows. Chunks never written read as the fill value.
    public var writtenChunkCount: Int {
        let grid = metadata.chunkGridShape
        var n = 0
        var coordinates = [Int](repeating: 0, count: grid.count)
        for i in 0..<grid.reduce(1, *) {
            var rest = i
            for d in stride(from: grid.count - 1, through: 0, by: -1) {
                coordinates[d] = rest % grid[d]
                rest /= grid[d]
            }
            if chunkExists(coordinates) { n += 1 }
        }
        return n
    }

    /// The number of chunks of the array's chunk grid.
    public var chunkCount: Int { metadata.chunkGridShape.reduce(1, *) }
}
