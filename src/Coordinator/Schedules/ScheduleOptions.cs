namespace ExPecto.Coordinator.Schedules;

/// <summary>Scheduled recomputation (configuration section "Schedules"; EXPECTO_SCHEDULES__TICK, …).</summary>
public sealed class ScheduleOptions : ExPecto.Hosting.IValidatedOptions
{
    public const string Section = "Schedules";

    /// <summary>How often the schedule manager evaluates cron occurrences and polls the jobs of runs in progress.</summary>
    public TimeSpan Tick { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Folder that relative paths of schedule spec files resolve against (default: the coordinator's working directory).</summary>
    public string? BaseDirectory { get; set; }

    public void Validate(string section) => ExPecto.Hosting.OptionsValidation.Positive(section + ":Tick", Tick);
}

/// <summary>ActorRegistry key of the schedule manager singleton (proxy).</summary>
public sealed class ScheduleManager;
