@_exported import SoftadastraWAL
