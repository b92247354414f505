import Testing

@testable import CfgConfig

@Suite struct AirflowValueTypeTests {
    /// Airflow's getboolean: lower-cased, stripped, cut at `#`; t/true/1 and f/false/0.
    @Test(arguments: [
        ("True", true), ("false", false), ("T", true), ("f", false), ("1", true), ("0", false), (" TRUE ", true),
        ("true # on", true), ("False#", false), ("\tt\n", true),
    ])
    func booleansAirflowReads(_ text: String, _ expected: Bool) {
        #expect(AirflowValueType.booleanValue(text) == expected)
    }

    @Test(arguments: ["yes", "no", "on", "off", "", "2", "tru", "# true", "truee", "1.0"])
    func booleansAirflowRejects(_ text: String) {
        #expect(AirflowValueType.booleanValue(text) == nil)
        #expect(!AirflowValueType.boolean.accepts(text, airflowMajor: 3))
    }

    /// Python's int(): sign, whitespace, single underscores between digits, Unicode decimal digits.
    @Test(arguments: [2, 3])
    func integers(_ major: Int) {
        for good in ["32", "-1", "+7", " 16 ", "1_000", "٣", "0"] {
            #expect(AirflowValueType.integer.accepts(good, airflowMajor: major), "\(good)")
        }
        for bad in ["", "0x10", "1__0", "_1", "1_", "thirty", "1 2", "--1", "1.5", "inf", "nan", "1e-1"] {
            #expect(!AirflowValueType.integer.accepts(bad, airflowMajor: major), "\(bad)")
        }
    }

    /// Airflow 3's getint also takes a whole float (`int(float(value))` equal to it); Airflow 2's does not.
    @Test(arguments: ["1.0", "1e3", "-2.", "1_0.0", "٣.0", "1e300", " 8.0 "])
    func wholeFloatsAreIntegersFromAirflow3(_ text: String) {
        #expect(AirflowValueType.integer.accepts(text, airflowMajor: 3))
        #expect(!AirflowValueType.integer.accepts(text, airflowMajor: 2))
    }

    /// Python's float().
    @Test func floats() {
        for good in ["1", "1.5", "-.5", "1.", "1e3", "1E-3", "inf", "-Infinity", "nan", " 2.5 ", "1_0.5", "1e1_0"] {
            #expect(AirflowValueType.float.accepts(good, airflowMajor: 3), "\(good)")
        }
        for bad in ["", ".", "e3", "1e", "1.5.2", "1_.5", "1._5", "one", "0x1p3", "1,5"] {
            #expect(!AirflowValueType.float.accepts(bad, airflowMajor: 3), "\(bad)")
        }
    }

    @Test func enumerationsAreExactAndSkipEmpty() {
        let levels = AirflowValueType.enumeration(["INFO", "DEBUG"])
        #expect(levels.accepts("INFO", airflowMajor: 3))
        #expect(levels.accepts("", airflowMajor: 3))
        #expect(!levels.accepts("info", airflowMajor: 3))
        #expect(!levels.accepts("TRACE", airflowMajor: 3))
        #expect(AirflowValueType.string.accepts("anything $ at all", airflowMajor: 3))
    }

    @Test func fernetKeys() {
        // urlsafe_b64encode(bytes(range(32))), and 32 bytes whose encoding uses `-`.
        let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
        let dashes = "----------------------------------------AQI="
        #expect(FernetKeyText.isValid(key))
        #expect(FernetKeyText.isValid(dashes))
        #expect(FernetKeyText.isValid(key + "," + dashes))
        for bad in [
            "", "short", String(key.dropLast()), key + ",", " " + key, "++++++++++++++++++++++++++++++++++++++++AQI=",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            #expect(!FernetKeyText.isValid(bad), "\(bad)")
        }
    }
}
