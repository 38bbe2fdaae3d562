namespace LabelAndAlign.Engine.Recipe;

/// <summary>Which training backend runs a spec (<see cref="ITrainingBackend"/>): the host's best (auto), our C# engine, or TorchSharp.</summary>
public enum EngineChoice { Auto, Native, Torch }

/// <summary>Where a backend computes: its best device (auto), the CPU, or a CUDA GPU.</summary>
public enum DeviceChoice { Auto, Cpu, Cuda }
