import CfgTemplate

/// The values every template input renders against: scalars, a list, a map, secrets (one unresolved) and an
/// environment variable, so that lookups, filters, loops and secret marks all have something to work on.
let fuzzTemplateContext = TemplateContext(
    variables: [
        "values": .map(
            TemplateMap([
                (key: "host", value: .string("db.local")),
                (key: "port", value: .integer(5432)),
                (key: "ratio", value: .double(0.5)),
                (key: "debug", value: .bool(false)),
                (key: "empty", value: .null),
                (key: "hosts", value: .list([.string("a"), .string("b"), .string("c")])),
                (key: "labels", value: .map(TemplateMap([(key: "team", value: .string("data"))]))),
            ])
        ),
        "secrets": .map(
            TemplateMap([
                (
                    key: "db",
                    value: .map(
                        TemplateMap([
                            (
                                key: "password",
                                value: .string("fuzz-canary", secret: true, origin: SecretOrigin(secret: "db"))
                            )
                        ])
                    )
                ),
                (key: "token", value: .string("fuzz-token", secret: true, origin: SecretOrigin(secret: "token"))),
                (key: "missing", value: .unresolved(reason: "not returned by the fuzz backend")),
            ])
        ),
    ],
    environmentVariables: ["HOME": "/home/fuzz", "AIRFLOW_HOME": "/opt/airflow"]
)

/// Lexes, parses and, when that succeeds, renders the input as a template.
package func fuzzTemplate(_ bytes: UnsafeRawBufferPointer) {
    let source = String(decoding: bytes, as: UTF8.self)
    guard let template = try? Template.parse(source, file: "templates/fuzz.tmpl") else { return }
    _ = try? template.render(fuzzTemplateContext)
}
