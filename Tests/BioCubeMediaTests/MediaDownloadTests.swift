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
            $0[key, default: 0] += 1
            return $0[key]!
        }
    }
}

@Suite("Species media downloads against loopback services")
struct MediaDownloadTests {
    /// An iNaturalist fake answering as the API v1 does (shapes from its documentation and
    /// pyinaturalist's sample data): observations 11, 12 (page 1) and 13 (page 2), then an
    /// empty page. An observation's `taxon` carries no `ancestors` (only `ancestor_ids`), so
    /// ranks come from `taxa/{id}`; observation 13's taxon does carry them. Identifications
    /// are listed oldest first, and the oldest one is a coarser family-level ID (which must
    /// not be taken for the observation's taxonomy). Photos live on another host (the open
    /// data bucket), have `license_code` and `attribution`; photo 106 has no licence (all
    /// rights reserved). Page 2 first answers 503, photo 102 first answers 429 with
    /// Retry-After, photo 103 is cut mid-file once.
    private func iNaturalistServer(
        photo: Data,
        counter: Counter
    ) throws -> (api: LoopbackHTTPServer, photos: LoopbackHTTPServer) {
        let photos = try LoopbackHTTPServer { request in
            let p = route(request.path)
            guard p.hasPrefix("/photos/") else { return .json(404, "{}") }
            let id = p.split(separator: "/")[1]
            #expect(p.hasSuffix("/medium.jpeg"), "the medium size is fetched")
            counter.next("photo-\(id)")
            if id == "102", counter.counts.withLock({ $0["photo-102"]! }) == 1 {
                return LoopbackHTTPServer.Response(status: 429, headers: ["Retry-After": "0"])
            }
            var r = LoopbackHTTPServer.Response.file(photo, range: request.headers["range"], contentType: "image/jpeg")
            if id == "103", counter.counts.withLock({ $0["photo-103"]! }) == 1 { r.cutAfter = 1000 }
            return r
        }
        let bucket = photos.baseURL.absoluteString
        let api = try LoopbackHTTPServer { request in
            func observation(_ id: Int, photos: [(Int, String?)], inlineAncestors: Bool) -> String {
                let ancestors =
                    inlineAncestors
                    ? #","ancestors":[{"id":1,"rank":"kingdom","name":"Animalia"},{"id":3,"rank":"class","name":"Aves"},{"id":12705,"rank":"genus","name":"Turdus"}]"#
                    : ""
                let ps = photos.map { p in
                    let licence = p.1.map { "\"\($0)\"" } ?? "null"
                    let credit =
                        p.1 == nil
                        ? "(c) Jane Doe, all rights reserved"
                        : "(c) Jane Doe, some rights reserved (\(p.1!.uppercased()))"
                    return
                        #"{"id":\#(p.0),"license_code":\#(licence),"url":"\#(bucket)/photos/\#(p.0)/square.jpeg","attribution":"\#(credit)","original_dimensions":{"width":2048,"height":1536}}"#
                }.joined(separator: ",")
                return
                    #"{"id":\#(id),"quality_grade":"research","time_observed_at":"2020-05-0\#(id - 10)T08:00:00+02:00","observed_on":"2020-05-0\#(id - 10)","geojson":{"type":"Point","coordinates":[13.4,52.5]},"location":"52.5,13.4","user":{"id":7,"login":"jdoe","name":"Jane Doe"},"taxon":{"id":12716,"name":"Turdus merula","rank":"species","rank_level":10,"ancestor_ids":[48460,1,2,355675,3,7251,15977,12705,12716],"preferred_common_name":"Eurasian Blackbird"\#(ancestors)},"identifications":[{"id":900,"current":true,"taxon":{"id":15977,"rank":"family","name":"Turdidae","ancestors":[{"rank":"kingdom","name":"Animalia"},{"rank":"phylum","name":"Chordata"},{"rank":"class","name":"Aves"},{"rank":"order","name":"Passeriformes"}]}},{"id":901,"current":true,"taxon":{"id":12716,"rank":"species","name":"Turdus merula"}}],"photos":[\#(ps)]}"#
            }
            #expect(request.headers["user-agent"]?.hasPrefix("biocube/") == true, "identifying User-Agent")
            switch route(request.path) {
            case "/observations":
                let q = query(request.path)
                #expect(q["taxon_name"] == "Turdus merula" && q["quality_grade"] == "research" && q["order_by"] == "id")
                #expect(q["photo_license"].map { $0.split(separator: ",").contains("cc-by") } ?? true)
                switch q["id_above"] {
                case "0":
                    return .json(
                        200,
                        #"{"total_results":3,"page":1,"per_page":200,"results":[\#(observation(11, photos: [(101, "cc-by"), (102, "cc-by-nc")], inlineAncestors: false)),\#(observation(12, photos: [(103, "cc-by-sa"), (106, nil)], inlineAncestors: false))]}"#
                    )
                case "12":
                    if counter.next("page2") == 1 { return .json(503, #"{"error":"busy"}"#) }
                    return .json(
                        200,
                        #"{"total_results":3,"page":1,"per_page":200,"results":[\#(observation(13, photos: [(104, "cc0")], inlineAncestors: true))]}"#
                    )
                default:
                    return .json(200, #"{"total_results":3,"page":1,"per_page":200,"results":[]}"#)
                }
            case "/taxa/12716":
                counter.next("taxa")
                return .json(
                    200,
                    #"{"total_results":1,"results":[{"id":12716,"name":"Turdus merula","rank":"species","ancestors":[{"id":48460,"rank":"stateofmatter","name":"Life"},{"id":1,"rank":"kingdom","name":"Animalia"},{"id":2,"rank":"phylum","name":"Chordata"},{"id":355675,"rank":"subphylum","name":"Vertebrata"},{"id":3,"rank":"class","name":"Aves"},{"id":7251,"rank":"order","name":"Passeriformes"},{"id":15977,"rank":"family","name":"Turdidae"},{"id":12705,"rank":"genus","name":"Turdus"}]}]}"#
                )
            default:
                return .json(404, "{}")
            }
        }
        return (api, photos)
    }

    @Test func iNaturalistPagesRetriesResumesAndSkipsOnRerun() async throws {
        let photo = try Data(contentsOf: URL(fileURLWithPath: try media.path("photo.jpg")))
        let counter = Counter()
        let (server, bucket) = try iNaturalistServer(photo: photo, counter: counter)
        defer {
            server.stop()
            bucket.stop()
        }
        let dir = TemporaryDirectory()
        let life = MediaLibrary(root: dir.file("Life"))
        let client = INaturalistClient(options: fastOptions(), baseURL: server.baseURL)
        let summary = try await client.download(species: "Turdus merula", into: life)
        #expect(summary.added == 4 && summary.skipped == 0, "\(summary)")
        #expect(summary.failures.count == 1 && summary.failures[0].contains("inat-12-106"), "\(summary.failures)")
        let rows = try life.records(of: .image, species: "Turdus merula")
        #expect(rows.map(\.id) == ["inat-11-101", "inat-11-102", "inat-12-103", "inat-13-104"])
        for r in rows {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dir.file("Life/Turdus merula/" + r.file)))
            #expect(bytes == photo, "\(r.file) is the served photo")
        }
        // Ranks come from the observation's taxon (taxa/{id}), not from its oldest, family-level ID.
        let full = [
            "kingdom": "Animalia", "phylum": "Chordata", "class": "Aves", "order": "Passeriformes",
            "family": "Turdidae",
            "genus": "Turdus",
        ]
        #expect(rows[0].taxonomy == full && rows[2].taxonomy == full)
        #expect(rows[3].taxonomy == ["kingdom": "Animalia", "class": "Aves", "genus": "Turdus"], "inline ancestors")
        #expect(rows[2].latitude == 52.5 && rows[2].longitude == 13.4)
        #expect(rows[2].timestamp == "2020-05-02T08:00:00+02:00")
        #expect(rows[0].commonName == "Eurasian Blackbird" && rows[0].licence == "cc-by")
        #expect(
            rows[0].rightsHolder == "Jane Doe" && rows[0].attribution == "(c) Jane Doe, some rights reserved (CC-BY)"
        )
        #expect(rows[3].licence == "cc0")
        #expect(counter.counts.withLock { $0["taxa"] } == 1, "one taxa request per taxon")
        #expect(query(server.requests[0].path)["photo_license"]?.contains("cc-by-nc") == true, "asks for CC photos")
        #expect(counter.counts.withLock { $0["photo-103"] } == 2, "the cut photo resumed once")
        #expect(counter.counts.withLock { $0["photo-106"] } == nil, "the all-rights-reserved photo is not fetched")
        #expect(!FileManager.default.fileExists(atPath: dir.file("Life/Turdus merula/images/.12_103.jpg.part")))
        // Every API request and photo is counted against the day's budget.
        let budget = try JSONValue.decode(Data(try FileIO.read(dir.file("Life/.inaturalist-requests.json"))))
        #expect(
            budget["requests"]?.intValue == Int64(server.requests.count + bucket.requests.count - 3),
            "retries and resumed pieces aside"
        )

        // A rerun pages again but fetches no photo.
        let photoRequests = bucket.requests.count
        let again = try await client.download(species: "Turdus merula", into: life)
        #expect(again.added == 0 && again.skipped == 4)
        #expect(bucket.requests.count == photoRequests)

        // A photo deleted since is fetched again, and only that one.
        try FileManager.default.removeItem(atPath: dir.file("Life/Turdus merula/images/12_103.jpg"))
        let repaired = try await client.download(species: "Turdus merula", into: life)
        #expect(repaired.skipped == 3)
        #expect(bucket.requests.count == photoRequests + 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.file("Life/Turdus merula/images/12_103.jpg"))) == photo)
        #expect(try life.records(of: .image, species: "Turdus merula").count == 4)

        // All rights reserved only on request; an exhausted budget stops with a clear error.
        var open = INaturalistClient(options: fastOptions(), baseURL: server.baseURL)
        open.licences.insert(INaturalistClient.allRightsReserved)
        let withClosed = try await open.download(species: "Turdus merula", into: life)
        #expect(withClosed.added == 1 && withClosed.failures.isEmpty)
        var small = fastOptions()
        small.dailyRequests = 1
        await #expect {
            _ = try await INaturalistClient(options: small, baseURL: server.baseURL).download(
                species: "Turdus merula",
                into: life
            )
        } throws: { "\($0)".contains("budget of 1 requests") && "\($0)".contains("tomorrow") }
    }

    @Test func theRateLimitHoldsAcrossRequests() async throws {
        let photo = try Data(contentsOf: URL(fileURLWithPath: try media.path("photo.jpg")))
        let (server, bucket) = try iNaturalistServer(photo: photo, counter: Counter())
        defer {
            server.stop()
            bucket.stop()
        }
        var options = fastOptions()
        options.minimumInterval = .milliseconds(150)
        let client = INaturalistClient(options: options, baseURL: server.baseURL)
        _ = try await client.download(
            species: "Turdus merula",
            into: MediaLibrary(root: TemporaryDirectory().file("Life"))
        )
        let times = (server.requests + bucket.requests).map(\.received).sorted()
        #expect(times.count >= 8)
        let gaps = zip(times, times.dropFirst()).map { $1 - $0 }
        // Every request waits for its slot, retries and resumed pieces included. The server
        // stamps a request when it has read it, so one late stamp can shorten the next gap
        // (when other tests load the machine): the span holds the full intervals, and no gap
        // is close to zero.
        #expect(times.last! - times.first! >= .milliseconds(130) * (times.count - 1), "gaps \(gaps)")
        #expect(gaps.allSatisfy { $0 >= .milliseconds(60) }, "gaps \(gaps)")
    }

    @Test func maximumPerSpeciesStopsEarly() async throws {
        let photo = try Data(contentsOf: URL(fileURLWithPath: try media.path("photo.jpg")))
        let (server, bucket) = try iNaturalistServer(photo: photo, counter: Counter())
        defer {
            server.stop()
            bucket.stop()
        }
        var options = fastOptions()
        options.maximumPerSpecies = 2
        let life = MediaLibrary(root: TemporaryDirectory().file("Life"))
        let summary = try await INaturalistClient(options: options, baseURL: server.baseURL).download(
            species: "Turdus merula",
            into: life
        )
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
                #"{"id":"\#(id)","gen":"Turdus","sp":"merula","ssp":"","grp":"birds","en":"Eurasian Blackbird","rec":"Stanislas Wroza","cnt":"Germany","loc":"Berlin","lat":"52.5","lon":"13.4","alt":"40","type":"song","sex":"male","stage":"adult","method":"field recording","url":"//xeno-canto.org/\#(id)","file":"\#(base)/\#(id)/download","file-name":"XC\#(id)-song.wav","lic":"//creativecommons.org/licenses/by-nc-sa/4.0/","q":"\#(q)","length":"0:05","time":"8:15","date":"2020-05-01","uploaded":"2020-05-03","also":[""],"rmk":"","animal-seen":"yes","playback-used":"no","temp":"","regnr":"","auto":"no","dvc":"","mic":"","smp":"16000"}"#
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
                    200,
                    #"{"numRecordings":"3","numSpecies":"1","page":2,"numPages":2,"recordings":[\#(rec(3, "C"))]}"#
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
        // Every xeno-canto licence requires attribution: the recordist is kept.
        #expect(rows[0].rightsHolder == "Stanislas Wroza")
        #expect(
            rows[0].attribution
                == "XC1 by Stanislas Wroza, https://xeno-canto.org/1, https://creativecommons.org/licenses/by-nc-sa/4.0/"
        )
        #expect(try AudioClip(contentsOf: life.folder(of: "Turdus merula") + "/" + rows[1].file).sampleRate == 16_000)

        // A record id that is not a number names no file: refused, nothing written outside.
        let evil = try LoopbackHTTPServer { request in
            if route(request.path) == "/recordings" {
                return .json(
                    200,
                    #"{"numRecordings":"1","numPages":1,"page":1,"recordings":[{"id":"../../../../../x","gen":"Turdus","sp":"merula","file":"\#(s.baseURL.absoluteString)/1/download","file-name":"x.wav","q":"A","rec":"r","lic":""}]}"#
                )
            }
            return .json(404, "{}")
        }
        defer { evil.stop() }
        let hostile = try await XenoCantoClient(apiKey: "secret-key", options: fastOptions(), baseURL: evil.baseURL)
            .download(species: "Turdus merula", into: life)
        #expect(hostile.added == 0 && hostile.failures.first?.contains("not a number") == true)

        let wrong = try XenoCantoClient(apiKey: "wrong", options: fastOptions(), baseURL: s.baseURL)
        await #expect {
            _ = try await wrong.download(species: "Turdus merula", into: life)
        } throws: { e in
            (e as? BioCubeError)?.code == .accessDenied && !"\(e)".contains("wrong") && "\(e)".contains("key=***")
        }
    }

    /// BOLD's portal API (v5): `api/query?query=tax:…&extent=full` answers a `query_id`, whose
    /// documents come as TSV in BCDM columns (order as the portal writes them, with extra
    /// columns BioCube does not use).
    @Test func boldPortalQueryFillsEDNAByItsOwnSpecies() async throws {
        let tsv = """
            processid\tsampleid\trecord_id\tinsdc_acs\tbin_uri\tkingdom\tphylum\tclass\torder\tfamily\tsubfamily\tgenus\tspecies\tidentification\tinst\tcollectors\tcollection_date_start\tcountry/ocean\tcountry_iso\tcoord\tmarker_code\tnuc\tnuc_basecount
            ABC-1\tS1\t1\tMK1\tBOLD:AAA1\tAnimalia\tChordata\tAves\tPasseriformes\tTurdidae\tNone\tTurdus\tTurdus merula\tTurdus merula\tNaturalis Biodiversity Center\tJ. Doe\t2019-06-01\tGermany\tDE\t[52.5, 13.4]\tCOI-5P\tACGTACGTNN\t10
            ABC-2\tS2\t2\t\tBOLD:AAA1\tAnimalia\tChordata\tAves\tPasseriformes\tTurdidae\tNone\tTurdus\tTurdus merula\tTurdus merula\tNaturalis Biodiversity Center\t\t\tFrance\tFR\t\tCOI-5P\t\t0
            ABC-3\tS3\t3\t\tBOLD:AAA2\tAnimalia\tChordata\tAves\tPasseriformes\tTurdidae\tNone\tTurdus\tTurdus philomelos\tTurdus philomelos\tZFMK\t\t2018-04-02\tGermany\tDE\t[48.1,11.5]\tCOI-5P\tacgtacgt\t8

            """
        let s = try LoopbackHTTPServer { request in
            let q = query(request.path)
            switch route(request.path) {
            case "/api/query":
                #expect(q["query"] == "tax:Turdus" && q["extent"] == "full")
                return .json(200, #"{"query_id":"dGF4OlR1cmR1cw==-1733580000"}"#)
            case "/api/documents/dGF4OlR1cmR1cw==-1733580000/download":
                #expect(q["format"] == "tsv")
                return LoopbackHTTPServer.Response(
                    status: 200,
                    headers: ["Content-Type": "text/tab-separated-values"],
                    body: Data(tsv.utf8)
                )
            default:
                return .json(404, #"{"detail":"Not Found"}"#)
            }
        }
        defer { s.stop() }
        let life = MediaLibrary(root: TemporaryDirectory().file("Life"))
        let client = BOLDClient(options: fastOptions(), baseURL: s.baseURL.appendingPathComponent("api"))
        let summaries = try await client.download(taxon: "Turdus", into: life)
        #expect(summaries.map(\.species) == ["Turdus merula", "Turdus philomelos"])
        #expect(summaries.map(\.added) == [1, 1])
        let merula = try #require(try life.records(of: .edna, species: "Turdus merula").first)
        #expect(merula.id == "ABC-1/COI-5P" && merula.value == "ACGTACGTNN", "\(merula)")
        #expect(
            merula.taxonomy == [
                "kingdom": "Animalia", "phylum": "Chordata", "class": "Aves", "order": "Passeriformes",
                "family": "Turdidae",
                "genus": "Turdus",
            ]
        )
        #expect(merula.timestamp == "2019-06-01" && merula.latitude == 52.5 && merula.longitude == 13.4)
        #expect(merula.country == "Germany" && merula.url == "https://portal.boldsystems.org/record/ABC-1")
        #expect(merula.rightsHolder == "Naturalis Biodiversity Center" && merula.attribution.contains("ABC-1"))
        let philomelos = try #require(try life.records(of: .edna, species: "Turdus philomelos").first)
        #expect(philomelos.latitude == 48.1 && philomelos.longitude == 11.5)
        let again = try await client.download(taxon: "Turdus", into: life)
        #expect(again.map(\.added) == [0, 0] && again.map(\.skipped) == [1, 1])
    }

    /// The retired v4 API answers an HTML "BOLD Public Offline" page: a clear error, not an
    /// empty table; a TSV it produced earlier still imports from a file.
    @Test func boldV4IsOfflineButItsTSVStillImports() async throws {
        let offline = try LoopbackHTTPServer { _ in
            LoopbackHTTPServer.Response(
                status: 200,
                headers: ["Content-Type": "text/html; charset=UTF-8"],
                body: Data(
                    "<!DOCTYPE html><html><head><title>BOLD Public Offline</title></head><body>…</body></html>".utf8
                )
            )
        }
        defer { offline.stop() }
        let dir = TemporaryDirectory()
        let life = MediaLibrary(root: dir.file("Life"))
        await #expect {
            _ = try await BOLDClient(options: fastOptions(), baseURL: offline.baseURL).download(
                taxon: "Turdus",
                into: life
            )
        } throws: { "\($0)".contains("BOLD Public Offline") && "\($0)".contains("portal") }
        #expect(try life.species().isEmpty)

        let v4 = """
            processid\tsampleid\tinstitution_storing\tphylum_name\tclass_name\tgenus_name\tspecies_name\tlat\tlon\tcountry\tcollectiondate_start\tmarkercode\tnucleotides
            GBIR1-19\tX1\tMuseum Koenig\tChordata\tAves\tTurdus\tTurdus merula\t52.5\t13.4\tGermany\t2019-06-01\tCOI-5P\tACGT

            """
        try FileIO.writeAtomically(dir.file("v4.tsv"), Array(v4.utf8))
        let summaries = try BOLDClient(options: fastOptions()).importTSV(at: dir.file("v4.tsv"), into: life)
        #expect(summaries.map(\.added) == [1])
        let r = try #require(try life.records(of: .edna, species: "Turdus merula").first)
        #expect(r.id == "GBIR1-19/COI-5P" && r.taxonomy["genus"] == "Turdus" && r.rightsHolder == "Museum Koenig")
        try FileIO.writeAtomically(dir.file("page.tsv"), Array("<html><title>x</title></html>".utf8))
        #expect { _ = try BOLDClient().importTSV(at: dir.file("page.tsv"), into: life) } throws: {
            "\($0)".contains("HTML page")
        }
    }

    /// Wikipedia's REST API answers a redirected title (most scientific names) with 302 and a
    /// bare relative Location; Wikimedia refuses agents that do not identify themselves.
    @Test func wikipediaFollowsRedirectsAndReportsRefusals() async throws {
        let s = try LoopbackHTTPServer { request in
            let agent = request.headers["user-agent"] ?? ""
            guard agent.hasPrefix("biocube/"), agent.contains("wiki-test@example.org") else {
                return LoopbackHTTPServer.Response(
                    status: 403,
                    headers: ["Content-Type": "text/plain"],
                    body: Data("Please set a user-agent and respect our robot policy https://w.wiki/4wJS.".utf8)
                )
            }
            switch route(request.path) {
            case "/api/rest_v1/page/summary/Turdus_merula":
                return LoopbackHTTPServer.Response(
                    status: 302,
                    headers: ["Location": "Common_blackbird", "Content-Type": "application/json"]
                )
            case "/api/rest_v1/page/summary/Common_blackbird":
                return .json(
                    200,
                    #"{"type":"standard","title":"Common blackbird","titles":{"canonical":"Common_blackbird","normalized":"Common blackbird","display":"Common blackbird"},"description":"Species of bird","extract":"The common blackbird (Turdus merula) is a species of true thrush, \"loud\", with a song\nover two lines.","content_urls":{"desktop":{"page":"https://en.wikipedia.org/wiki/Common_blackbird"}}}"#
                )
            case "/api/rest_v1/page/summary/Turdus":
                return .json(200, #"{"type":"disambiguation","extract":"Turdus may refer to"}"#)
            case "/api/rest_v1/page/summary/Blocked_species":
                return LoopbackHTTPServer.Response(
                    status: 403,
                    headers: ["Content-Type": "text/plain"],
                    body: Data(
                        "Scripted requests from your IP have been blocked, see https://meta.wikimedia.org/wiki/User-Agent_policy"
                            .utf8
                    )
                )
            default:
                return .json(404, #"{"type":"https://mediawiki.org/wiki/HyperSwitch/errors/not_found"}"#)
            }
        }
        defer { s.stop() }
        let life = MediaLibrary(root: TemporaryDirectory().file("Life"))
        var options = fastOptions()
        options.contact = "wiki-test@example.org"
        let wiki = WikipediaDescriptionClient(
            options: options,
            baseURL: s.baseURL.appendingPathComponent("api/rest_v1")
        )
        let ok = try await wiki.download(species: "Turdus merula", into: life)
        #expect(ok.added == 1 && ok.errors.isEmpty, "\(ok)")
        let row = try #require(try life.records(of: .text, species: "Turdus merula").first)
        #expect(
            row.value.hasPrefix("The common blackbird") && row.value.contains("\"loud\"") && row.value.contains("\n")
        )
        #expect(row.url == "https://en.wikipedia.org/wiki/Common_blackbird" && row.licence == "CC BY-SA 4.0")
        #expect(row.rightsHolder == "Wikipedia contributors" && row.attribution.contains("\"Common blackbird\""))
        #expect(try await wiki.download(species: "Turdus merula", into: life).skipped == 1)
        #expect(
            try await wiki.download(species: "Turdus", into: life).failures.first?.contains("disambiguation") == true
        )
        #expect(
            try await wiki.download(species: "Nonexistent species", into: life).failures.first?.contains(
                "no Wikipedia article"
            ) == true
        )
        // A refusal is that species' error, with the server's words; the client goes on.
        let blocked = try await wiki.download(species: "Blocked species", into: life)
        #expect(blocked.errors.count == 1 && blocked.errors[0].contains("User-Agent_policy"), "\(blocked)")
        // Without a contact the agent is refused as a generic one would be.
        let anonymous = WikipediaDescriptionClient(
            options: fastOptions(),
            baseURL: s.baseURL.appendingPathComponent("api/rest_v1")
        )
        let refused = try await anonymous.download(species: "Turdus philomelos", into: life)
        #expect(refused.errors.first?.contains("403") == true && refused.errors[0].contains("w.wiki/4wJS"))
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
