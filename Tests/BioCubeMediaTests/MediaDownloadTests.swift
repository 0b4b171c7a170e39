import BioCubeCore
import BioCubeTestSupport
import Foundation
import Testing

@testable import BioCubeMedia

private let media = FixtureSet("media")

/// Query items of a request path.
private func query(_ path: String) -> [String: String] {
    var out: [String: String] = [:]
    for item in URLComponents(string: "http://x" + path)?.queryItems ?? [] { out[item.name] = item.value ?? "" }
    return out
}

private func route(_ path: String) -> String { String(path.split(separator: "?").first ?? "") }

private func fastOptions() -> MediaDownloadOptions {
    var o = MediaDownloadOptions()
    o.minimumInterval = .zero
    o.retryBackoff = .milliseconds(10)
    o.requestTimeout = 10
    return o
}

/// Counts per key, shared with a server thread.
private final class Counter: Sendable {
    let counts = LoopbackHTTPServer.Locked<[String: Int]>([:])
    @discardableResult func next(_ key: String) -> Int {
        counts.withLock {
            $0[key, default: 0] += 1; return $0[key]!
        }
    }
}

@Suite("Species media downloads against loopback services")
struct MediaDownloadTests {
    /// An iNaturalist fake: observations 11, 12 (page 1) and 13 (page 2), then an empty
    /// page; page 2 first answers 503, photo 102 first answers 429 with Retry-After, photo
    /// 103 is cut mid-file once; taxa come from `taxa/{id}` when the observation has no
    /// identification ancestors.
    private func iNaturalistServer(photo: Data, counter: Counter) throws -> LoopbackHTTPServer {
        let server = Locked<LoopbackHTTPServer?>(nil)
        let s = try LoopbackHTTPServer { request in
            let base = server.withLock { $0!.baseURL.absoluteString }
            func observation(_ id: Int, photos: [Int], ancestors: Bool) -> String {
                let anc =
                    ancestors
                    ? #","identifications":[{"taxon":{"ancestors":[{"rank":"kingdom","name":"Animalia"},{"rank":"class","name":"Aves"},{"rank":"genus","name":"Turdus"}]}}]"#
                    : ""
                let ps = photos.map {
                    #"{"id":\#($0),"url":"\#(base)/photos/\#($0)/square.jpg","license_code":"cc-by"}"#
                }.joined(separator: ",")
                return
                    #"{"id":\#(id),"time_observed_at":"2020-05-0\#(id - 10)T08:00:00+02:00","geojson":{"type":"Point","coordinates":[13.4,52.5]},"taxon":{"id":12716,"name":"Turdus merula","preferred_common_name":"Eurasian Blackbird"},"photos":[\#(ps)]\#(anc)}"#
            }
            switch route(request.path) {
            case "/observations":
                let q = query(request.path)
                #expect(q["taxon_name"] == "Turdus merula" && q["quality_grade"] == "research" && q["order_by"] == "id")
                switch q["id_above"] {
                case "0":
                    return .json(
                        200,
                        #"{"total_results":3,"results":[\#(observation(11, photos: [101, 102], ancestors: true)),\#(observation(12, photos: [103], ancestors: false))]}"#
                    )
                case "12":
                    if counter.next("page2") == 1 { return .json(503, #"{"error":"busy"}"#) }
                    return .json(
                        200, #"{"total_results":3,"results":[\#(observation(13, photos: [104], ancestors: false))]}"#)
                default:
                    return .json(200, #"{"total_results":3,"results":[]}"#)
                }
            case "/taxa/12716":
                counter.next("taxa")
                return .json(
                    200,
                    #"{"results":[{"id":12716,"ancestors":[{"rank":"kingdom","name":"Animalia"},{"rank":"phylum","name":"Chordata"},{"rank":"family","name":"Turdidae"}]}]}"#
                )
            case let p where p.hasPrefix("/photos/"):
                let id = p.split(separator: "/")[1]
                #expect(p.hasSuffix("/medium.jpg"), "the medium size is fetched")
                counter.next("photo-\(id)")
                if id == "102", counter.counts.withLock({ $0["photo-102"]! }) == 1 {
                    return LoopbackHTTPServer.Response(status: 429, headers: ["Retry-After": "0"])
                }
                var r = LoopbackHTTPServer.Response.file(
                    photo, range: request.headers["range"], contentType: "image/jpeg")
                if id == "103", counter.counts.withLock({ $0["photo-103"]! }) == 1 { r.cutAfter = 1000 }
                return r
            default:
                return .json(404, "{}")
            }
        }
        server.withLock { $0 = s }
        return s
    }

    @Test func iNaturalistPagesRetriesResumesAndSkipsOnRerun() async throws {
        let photo = try Data(contentsOf: URL(fileURLWithPath: try media.path("photo.jpg")))
        let counter = Counter()
        let server = try iNaturalistServer(photo: photo, counter: counter)
        defer { server.stop() }
        let dir = TemporaryDirectory()
        let life = MediaLibrary(root: dir.file("Life"))
        let client = INaturalistClient(options: fastOptions(), baseURL: server.baseURL)
        let summary = try await client.download(species: "Turdus merula", into: life)
        #expect(summary.added == 4 && summary.skipped == 0 && summary.failures.isEmpty, "\(summary)")
        let rows = try life.records(of: .image, species: "Turdus merula")
        #expect(rows.map(\.id) == ["inat-11-101", "inat-11-102", "inat-12-103", "inat-13-104"])
        for r in rows {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dir.file("Life/Turdus merula/" + r.file)))
            #expect(bytes == photo, "\(r.file) is the served photo")
        }
        #expect(rows[0].taxonomy == ["kingdom": "Animalia", "class": "Aves", "genus": "Turdus"])
        #expect(rows[2].taxonomy == ["kingdom": "Animalia", "phylum": "Chordata", "family": "Turdidae"])
        #expect(rows[2].latitude == 52.5 && rows[2].longitude == 13.4)
        #expect(rows[2].timestamp == "2020-05-02T08:00:00+02:00")
        #expect(rows[0].commonName == "Eurasian Blackbird" && rows[0].licence == "cc-by")
        #expect(counter.counts.withLock { $0["taxa"] } == 1, "one taxa request per taxon")
        #expect(counter.counts.withLock { $0["photo-103"] } == 2, "the cut photo resumed once")
        #expect(!FileManager.default.fileExists(atPath: dir.file("Life/Turdus merula/images/.12_103.jpg.part")))

        // A rerun pages again but fetches no photo.
        let photoRequests = server.requests.filter { $0.path.hasPrefix("/photos/") }.count
        let again = try await client.download(species: "Turdus merula", into: life)
        #expect(again.added == 0 && again.skipped == 4)
        #expect(server.requests.filter { $0.path.hasPrefix("/photos/") }.count == photoRequests)

        // A photo deleted since is fetched again, and only that one.
        try FileManager.default.removeItem(atPath: dir.file("Life/Turdus merula/images/12_103.jpg"))
        let repaired = try await client.download(species: "Turdus merula", into: life)
        #expect(repaired.skipped == 3 && repaired.failures.isEmpty)
        #expect(server.requests.filter { $0.path.hasPrefix("/photos/") }.count == photoRequests + 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("Life/Turdus merula/images/12_103.jpg"))) == photo)
        #expect(try life.records(of: .image, species: "Turdus merula").count == 4)
    }

    @Test func theRateLimitHoldsAcrossRequests() async throws {
        let photo = try Data(contentsOf: URL(fileURLWithPath: try media.path("photo.jpg")))
        let server = try iNaturalistServer(photo: photo, counter: Counter())
        defer { server.stop() }
        var options = fastOptions()
        options.minimumInterval = .milliseconds(150)
        let client = INaturalistClient(options: options, baseURL: server.baseURL)
        _ = try await client.download(
            species: "Turdus merula", into: MediaLibrary(root: TemporaryDirectory().file("Life")))
        let times = server.requests.map(\.received)
        #expect(times.count >= 8)
        let gaps = zip(times, times.dropFirst()).map { $1 - $0 }
        // Every request waits for its slot, retries and resumed pieces included. The server
        // stamps a request when it has read it, so one late stamp can shorten the next gap
        // (when other tests load the machine): the span holds the full intervals, and no gap
        // is close to zero.
        #expect(times.last! - times.first! >= .milliseconds(145) * (times.count - 1), "gaps \(gaps)")
        #expect(gaps.allSatisfy { $0 >= .milliseconds(60) }, "gaps \(gaps)")
    }

    @Test func maximumPerSpeciesStopsEarly() async throws {
        let photo = try Data(contentsOf: URL(fileURLWithPath: try media.path("photo.jpg")))
        let server = try iNaturalistServer(photo: photo, counter: Counter())
        defer { server.stop() }
        var options = fastOptions()
        options.maximumPerSpecies = 2
        let life = MediaLibrary(root: TemporaryDirectory().file("Life"))
        let summary = try await INaturalistClient(options: options, baseURL: server.baseURL).download(
            species: "Turdus merula", into: life)
        #expect(summary.added == 2)
        #expect(try life.records(of: .image, species: "Turdus merula").count == 2)
    }

    @Test func xenoCantoNeedsAKeyFiltersQualityAndPages() async throws {
        #expect { _ = try XenoCantoClient(apiKey: " ") } throws: { "\($0)".contains(XenoCantoClient.apiKeyVariable) }
        let wav = try Data(contentsOf: URL(fileURLWithPath: try media.path("pcm16.wav")))
        let server = Locked<LoopbackHTTPServer?>(nil)
        let s = try LoopbackHTTPServer { request in
            let base = server.withLock { $0!.baseURL.absoluteString }
            func rec(_ id: Int, _ q: String) -> String {
                #"{"id":"\#(id)","gen":"Turdus","sp":"merula","en":"Eurasian Blackbird","cnt":"Germany","lat":"52.5","lon":"13.4","file":"\#(base)/\#(id)/download","file-name":"XC\#(id)-song.wav","lic":"//creativecommons.org/licenses/by-nc-sa/4.0/","q":"\#(q)","date":"2020-05-01","time":"8:15","also":[""]}"#
            }
            if route(request.path) == "/recordings" {
                let q = query(request.path)
                guard q["key"] == "secret-key" else { return .json(401, #"{"error":"invalid key"}"#) }
                #expect(q["query"] == #"sp:"turdus merula""#)
                if q["page"] == "1" {
                    return .json(
                        200,
                        #"{"numRecordings":"3","numSpecies":"1","page":1,"numPages":2,"recordings":[\#(rec(1, "A")),\#(rec(2, "D"))]}"#
                    )
                }
                return .json(
                    200, #"{"numRecordings":"3","numSpecies":"1","page":2,"numPages":2,"recordings":[\#(rec(3, "C"))]}"#
                )
            }
            if request.path.hasSuffix("/download") {
                return .file(wav, range: request.headers["range"], contentType: "audio/wav")
            }
            return .json(404, "{}")
        }
        server.withLock { $0 = s }
        defer { s.stop() }
        let life = MediaLibrary(root: TemporaryDirectory().file("Life"))
        let client = try XenoCantoClient(apiKey: "secret-key", options: fastOptions(), baseURL: s.baseURL)
        let summary = try await client.download(species: "Turdus merula", into: life)
        #expect(summary.added == 2)
        let rows = try life.records(of: .sound, species: "Turdus merula")
        #expect(rows.map(\.id) == ["XC1", "XC3"])
        #expect(rows[0].file == "sounds/XC1.wav" && rows[0].timestamp == "2020-05-01T08:15:00")
        #expect(rows[0].licence == "https://creativecommons.org/licenses/by-nc-sa/4.0/" && rows[0].value == "A")
        #expect(try AudioClip(contentsOf: life.folder(of: "Turdus merula") + "/" + rows[1].file).sampleRate == 16_000)

        let wrong = try XenoCantoClient(apiKey: "wrong", options: fastOptions(), baseURL: s.baseURL)
        await #expect {
            _ = try await wrong.download(species: "Turdus merula", into: life)
        } throws: { e in
            (e as? BioCubeError)?.code == .accessDenied && !"\(e)".contains("wrong") && "\(e)".contains("key=***")
        }
    }

    @Test func boldRowsGoToTheirSpeciesWhateverTheColumnOrder() async throws {
        let tsv = """
            species_name\tprocessid\tmarkercode\tphylum_name\tclass_name\tgenus_name\tlat\tlon\tcountry\tcollectiondate_start\tnucleotides
            Turdus merula\tABC-1\tCOI-5P\tChordata\tAves\tTurdus\t52.5\t13.4\tGermany\t2019-06-01\tACGTACGTNN
            Turdus merula\tABC-2\tCOI-5P\tChordata\tAves\tTurdus\t\t\tFrance\t\t
            Turdus philomelos\tABC-3\tCOI-5P\tChordata\tAves\tTurdus\t48.1\t11.5\tGermany\t2018-04-02\tacgtacgt

            """
        let s = try LoopbackHTTPServer { request in
            let q = query(request.path)
            #expect(route(request.path) == "/API_Public/combined" && q["format"] == "tsv" && q["taxon"] == "Turdus")
            return LoopbackHTTPServer.Response(
                status: 200, headers: ["Content-Type": "text/plain"], body: Data(tsv.utf8))
        }
        defer { s.stop() }
        let life = MediaLibrary(root: TemporaryDirectory().file("Life"))
        let client = BOLDClient(options: fastOptions(), baseURL: s.baseURL)
        let summaries = try await client.download(taxon: "Turdus", into: life)
        #expect(summaries.map(\.species) == ["Turdus merula", "Turdus philomelos"])
        #expect(summaries.map(\.added) == [1, 1])
        let merula = try life.records(of: .edna, species: "Turdus merula")
        #expect(merula.first?.id == "ABC-1/COI-5P" && merula.first?.value == "ACGTACGTNN")
        #expect(merula.first?.taxonomy == ["phylum": "Chordata", "class": "Aves", "genus": "Turdus"])
        #expect(merula.first?.timestamp == "2019-06-01" && merula.first?.latitude == 52.5)
        let again = try await client.download(taxon: "Turdus", into: life)
        #expect(again.map(\.added) == [0, 0] && again.map(\.skipped) == [1, 1])

        let html = try LoopbackHTTPServer { _ in .json(200, "<html>maintenance</html>") }
        defer { html.stop() }
        await #expect {
            _ = try await BOLDClient(options: fastOptions(), baseURL: html.baseURL).download(
                taxon: "Turdus", into: life)
        } throws: { "\($0)".contains("no 'processid' column") }
    }

    @Test func wikipediaDescriptionsAndMissingArticles() async throws {
        let s = try LoopbackHTTPServer { request in
            switch route(request.path) {
            case "/page/summary/Turdus_merula":
                return .json(
                    200,
                    #"{"type":"standard","title":"Common blackbird","description":"Species of bird","extract":"The common blackbird (Turdus merula) is a species of true thrush, \"loud\", with a song\nover two lines.","content_urls":{"desktop":{"page":"https://en.wikipedia.org/wiki/Common_blackbird"}}}"#
                )
            case "/page/summary/Turdus":
                return .json(200, #"{"type":"disambiguation","extract":"Turdus may refer to"}"#)
            default:
                return .json(404, #"{"type":"https://mediawiki.org/wiki/HyperSwitch/errors/not_found"}"#)
            }
        }
        defer { s.stop() }
        let life = MediaLibrary(root: TemporaryDirectory().file("Life"))
        let wiki = WikipediaDescriptionClient(options: fastOptions(), baseURL: s.baseURL)
        let ok = try await wiki.download(species: "Turdus merula", into: life)
        #expect(ok.added == 1)
        let row = try #require(try life.records(of: .text, species: "Turdus merula").first)
        #expect(
            row.value.hasPrefix("The common blackbird") && row.value.contains("\"loud\"") && row.value.contains("\n"))
        #expect(row.url == "https://en.wikipedia.org/wiki/Common_blackbird" && row.licence == "CC BY-SA 4.0")
        #expect(try await wiki.download(species: "Turdus merula", into: life).skipped == 1)
        #expect(
            try await wiki.download(species: "Turdus", into: life).failures.first?.contains("disambiguation") == true)
        #expect(
            try await wiki.download(species: "Nonexistent species", into: life).failures.first?.contains(
                "no Wikipedia article") == true)
    }

    @Test func tablesRoundTripAndRefuseACutFile() throws {
        let dir = TemporaryDirectory()
        let life = MediaLibrary(root: dir.file("Life"))
        var r = MediaRecord(id: "x,1", source: "test", kind: .text, species: "Larus argentatus/fuscus")
        r.value = "comma, \"quote\"\r\nand lines"
        r.latitude = -12.5
        #expect(try life.add([r, r]) == 1)
        #expect(try life.records(of: .text, species: "Larus argentatus/fuscus") == [r])
        #expect(try life.species() == ["Larus argentatus_fuscus"])
        let table = dir.file("Life/Larus argentatus_fuscus/descriptions.csv")
        let bytes = try FileIO.read(table)
        try FileIO.writeAtomically(table, Array(bytes.dropLast(8)))
        #expect { _ = try life.records(of: .text, species: "Larus argentatus/fuscus") } throws: {
            ($0 as? BioCubeError)?.file == table && "\($0)".contains("cut")
        }
        #expect(throws: BioCubeError.self) { _ = try MediaLibrary.folderName(of: "../etc") }
    }
}

/// A lock-protected optional, for servers whose handler needs their own URL.
private typealias Locked = LoopbackHTTPServer.Locked
