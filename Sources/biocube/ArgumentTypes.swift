import ArgumentParser
import BioCube

extension BatchFormat: ExpressibleByArgument {}
extension MissingValuePolicy: ExpressibleByArgument {}
extension BatchStatistics.StepWeighting: ExpressibleByArgument {}
extension Batch.NormalisationMode: ExpressibleByArgument {}

/// Parsers for options whose values are library types: the library's own parser, so a bad
/// value gets the library's message (naming the expected form) at parse time.
enum ArgumentParsing {
    static func region(_ text: String) throws -> Region { try Region(parsing: text) }
    static func instant(_ text: String) throws -> UTCDateTime { try UTCDateTime(parsing: text) }
    static func cadence(_ text: String) throws -> Cadence { try Cadence(parsing: text) }
    static func shard(_ text: String) throws -> Shard { try Shard(parsing: text) }
}
