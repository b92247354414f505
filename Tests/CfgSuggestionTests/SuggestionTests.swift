import Testing

@testable import CfgSuggestion

@Suite struct SuggestionTests {
    @Test func aTypoFindsTheClosestName() {
        #expect(Suggestion.closest(to: "fernt", among: ["db", "fernet", "redis"]) == "fernet")
        #expect(Suggestion.closest(to: "REDIS", among: ["db", "fernet", "redis"]) == "redis")
        #expect(Suggestion.closest(to: "admn", among: ["admin", "db"]) == "admin")
    }

    @Test func aDifferentNameFindsNothing() {
        #expect(Suggestion.closest(to: "smtp", among: ["db", "fernet", "redis"]) == nil)
        #expect(Suggestion.closest(to: "x", among: []) == nil)
    }

    @Test func editDistanceCountsInsertionsDeletionsAndSubstitutions() {
        #expect(Suggestion.editDistance(Array("kitten"), Array("sitting")) == 3)
        #expect(Suggestion.editDistance(Array(""), Array("abc")) == 3)
        #expect(Suggestion.editDistance(Array("same"), Array("same")) == 0)
    }

    @Test func aTranspositionIsOneEdit() {
        #expect(Suggestion.editDistance(Array("valeu"), Array("value")) == 1)
        #expect(Suggestion.editDistance(Array("ab"), Array("ba")) == 1)
        #expect(Suggestion.editDistance(Array("ca"), Array("abc")) == 3)
        #expect(Suggestion.closest(to: "valeu", among: ["generate", "prefix", "value"]) == "value")
        #expect(Suggestion.closest(to: "memroy", among: ["cpu", "image", "memory", "ports"]) == "memory")
    }
}
