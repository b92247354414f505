/// Environment files shared by the tests.
enum EnvironmentFixtures {
    /// Every section and most options; the tests check the model field by field (line numbers matter).
    static let complete = #"""
        name: dev
        airflow_version: "3.1"
        backend:
          type: local
          store: .cfg/dev.store
          key_file: ~/.config/cfg/keys/dev.key
        secrets:
          smtp: airflow/dev/smtp
          db:
            path: airflow/dev/db
            version: 3
            keys:
              engine: { value: postgres }
              port: { value: 5432 }
              password: { generate: { password: { length: 40, classes: [lower, upper, digits, symbols], exclude: "\"'\\" } } }
          fernet:
            path: airflow/dev/fernet
            keys:
              fernet_key: { generate: fernet }
          token:
            path: airflow/dev/token
            generate: { bytes: { length: 16, encoding: base64url } }
        values:
          db_host: postgres
          db_port: 5432
          ratio: 0.5
          debug: false
          nothing: ~
          hosts: [a, b]
          nested: { x: "1" }
        settings: [templates/airflow.cfg.tmpl]
        services:
          scheduler: {}
          api-server:
            command: [airflow, api-server, --port, "8080"]
            settings: templates/api-server.cfg.tmpl
            ecs: { image: apache/airflow:3.1.3, cpu: 1024, memory: 2048, ports: [8080] }
          worker:
        ecs:
          family_prefix: airflow-dev
          image: apache/airflow:3.1.3
          execution_role_arn: arn:aws:iam::123456789012:role/exec
          task_role_arn: arn:aws:iam::123456789012:role/task
          cpu: 512
          memory: 1024
          log_group: /ecs/airflow-dev
          log_region: us-east-1
          cfg_path: /usr/local/bin/cfg
          insecure_plaintext_secrets: false
        outputs:
          - { kind: env, path: airflow.env }
          - { kind: dotenv, path: .env, service: api-server }
          - { kind: ecs-task-definition }
          - { kind: ecs-task-definition, service: scheduler, path: scheduler-task.json }
          - { kind: file, template: templates/webserver_config.py.tmpl, path: webserver_config.py, service: api-server }
        rotation:
          fernet: { key: fernet_key, generator: fernet, every: 90d }
          db:     { key: password, generator: { password: { length: 32, profile: uri-safe } }, every: 30d, apply: postgres }
          smtp:   { key: password, generator: password, every: 180d, keep: 3, apply: { command: [/usr/local/bin/set-smtp-password] } }
          token:  { every: 1w, apply: redis }
        """#

    /// The smallest valid file, as a prefix for error cases.
    static let minimal = "backend: { type: local }\n"
}
