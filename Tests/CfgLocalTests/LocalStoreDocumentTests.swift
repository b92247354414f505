import CfgBackend
import Foundation
import Testing

@testable import CfgLocal

/// The plaintext model's label rules, check-and-set and JSON shape, without any file.
struct LocalStoreDocumentTests {
    let path = SecretPath("airflow/prod/fernet")
    let now = Date(timeIntervalSince1970: 1_795_273_200)

    @Test func movingCurrentMovesPreviousToTheOldCurrent() throws {
        var document = LocalStoreDocument(environment: "prod")
        let first = try document.store("MQ==", at: path, labels: [.current], expectedCurrent: nil, now: now)
        let second = try document.store("Mg==", at: path, labels: [.pending], expectedCurrent: nil, now: now)
        #expect(try document.version(at: path, .current).version.id == first)
        try document.moveLabel(.current, to: second, at: path)
        #expect(try document.version(at: path, .current).labels == [.current, .pending])
        #expect(try document.version(at: path, .label(.previous)).version.id == first)
        // Moving current onto the version that already has it keeps previous where it is.
        try document.moveLabel(.current, to: second, at: path)
        #expect(try document.version(at: path, .label(.previous)).version.id == first)
    }

    @Test func explicitPreviousWinsOverTheAutomaticMove() throws {
        var document = LocalStoreDocument(environment: "prod")
        let first = try document.store("MQ==", at: path, labels: [.current], expectedCurrent: nil, now: now)
        _ = try document.store("Mg==", at: path, labels: [.current], expectedCurrent: nil, now: now)
        let third = try document.store("Mw==", at: path, labels: [.current, .previous], expectedCurrent: nil, now: now)
        #expect(try document.version(at: path, .label(.previous)).version.id == third)
        #expect(try document.version(at: path, .id(first)).labels.isEmpty)
    }

    @Test func checkAndSetWithoutACurrentVersionConflicts() throws {
        var document = LocalStoreDocument(environment: "prod")
        let pending = try document.store("MQ==", at: path, labels: [.pending], expectedCurrent: "", now: now)
        #expect(throws: BackendError(.conflict, backend: "local", message: "")) {
            try document.store("Mg==", at: path, labels: [.current], expectedCurrent: pending, now: now)
        }
    }

    @Test func emptyPathIsInvalid() {
        var document = LocalStoreDocument(environment: "prod")
        #expect(throws: BackendError(.invalidRequest, backend: "local", message: "")) {
            try document.store("MQ==", at: SecretPath(""), labels: [.current], expectedCurrent: nil, now: now)
        }
    }

    @Test func encodesTheDocumentedJSONShape() throws {
        var document = LocalStoreDocument(environment: "prod")
        _ = try document.store("MQ==", at: path, labels: [.current], expectedCurrent: nil, now: now)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(document), as: UTF8.self)
        #expect(
            json
                == #"{"environment":"prod","format":1,"secrets":{"airflow/prod/fernet":{"labels":{"current":"1"},"#
                + #""versions":[{"created":"2026-11-21T15:00:00Z","id":"1","value":"MQ=="}]}}}"#
        )
    }
}
