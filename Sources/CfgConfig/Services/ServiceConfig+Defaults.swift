extension ServiceConfig {
    /// Airflow's command for a known service name, used when the environment file gives no `command`.
    package static func defaultCommand(for name: String) -> [String]? {
        switch name {
        case "api-server": ["airflow", "api-server"]
        case "webserver": ["airflow", "webserver"]
        case "scheduler": ["airflow", "scheduler"]
        case "worker": ["airflow", "celery", "worker"]
        case "triggerer": ["airflow", "triggerer"]
        case "dag-processor": ["airflow", "dag-processor"]
        case "flower": ["airflow", "celery", "flower"]
        default: nil
        }
    }
}
