//! Seeing the GPU: libtorch's CUDA library in the process, and what the NVIDIA driver reports.
//!
//! libtorch's CUDA backend lives in `libtorch_cuda.so` and registers itself when the library is loaded; no
//! Rust code calls into it. Our binaries and tests link it explicitly (build.rs). A notebook's cells are
//! compiled by evcxr into crates that never see our linker arguments, so [`cuda_library`] loads it at run
//! time, from the libtorch directory this crate was built against, before a device is chosen. Where there is
//! no such library (a CPU-only libtorch, macOS) or no GPU driver, nothing happens and CUDA reports no device.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The libtorch `lib/` directory this crate was built against, as torch-sys reported it to build.rs.
pub fn libtorch_lib_dir() -> Option<PathBuf> {
    option_env!("JIELONG_LIBTORCH_LIB").map(PathBuf::from)
}

/// How libtorch's CUDA library came to be (or not to be) in this process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CudaLibrary {
    /// Already in the process when first asked: linked by build.rs.
    Linked(PathBuf),
    /// Loaded at run time by [`cuda_library`] (notebooks).
    Loaded(PathBuf),
    /// libtorch has no CUDA library: a CPU-only build (or not Linux).
    Absent(String),
    /// The library exists but could not be loaded; the loader's message says why.
    Failed(String),
}

impl CudaLibrary {
    /// Whether libtorch's CUDA backend is in the process, so that a GPU, if the driver sees one, is usable.
    pub fn is_present(&self) -> bool {
        matches!(self, CudaLibrary::Linked(_) | CudaLibrary::Loaded(_))
    }
}

impl std::fmt::Display for CudaLibrary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CudaLibrary::Linked(p) => write!(f, "linked ({})", p.display()),
            CudaLibrary::Loaded(p) => write!(f, "loaded at run time ({})", p.display()),
            CudaLibrary::Absent(why) => write!(f, "absent: {why}"),
            CudaLibrary::Failed(why) => write!(f, "failed to load: {why}"),
        }
    }
}

/// libtorch's CUDA library for this process, loaded on the first call if the linker did not link it. Later
/// calls return the first answer: loading happens at most once, and the library is never unloaded.
pub fn cuda_library() -> &'static CudaLibrary {
    static STATE: OnceLock<CudaLibrary> = OnceLock::new();
    STATE.get_or_init(|| match libtorch_lib_dir() {
        None => CudaLibrary::Absent("this build was not told where libtorch is".into()),
        Some(dir) => match mapped_path("libtorch_cuda.so") {
            Some(path) => CudaLibrary::Linked(path),
            None => load_from(&dir),
        },
    })
}

/// Load `libtorch_cuda.so` from a libtorch `lib/` directory and keep it loaded for the life of the process.
/// Loading an already-loaded library only raises its reference count, so a second call is harmless.
#[cfg(target_os = "linux")]
pub fn load_from(lib_dir: &Path) -> CudaLibrary {
    use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_LAZY};
    let path = lib_dir.join("libtorch_cuda.so");
    if !path.exists() {
        return CudaLibrary::Absent(format!(
            "{} has no libtorch_cuda.so (a CPU-only libtorch)",
            lib_dir.display()
        ));
    }
    // SAFETY: libtorch_cuda.so's initializers only register CUDA kernels and hooks with libtorch, which this
    // process has already loaded from the same directory.
    match unsafe { Library::open(Some(&path), RTLD_LAZY | RTLD_GLOBAL) } {
        Ok(library) => {
            std::mem::forget(library); // registered kernels must outlive every tensor: never unload
            CudaLibrary::Loaded(path)
        }
        Err(e) => CudaLibrary::Failed(e.to_string()),
    }
}

/// CUDA builds of libtorch exist for Linux (and Windows) only; elsewhere there is nothing to load.
#[cfg(not(target_os = "linux"))]
pub fn load_from(_lib_dir: &Path) -> CudaLibrary {
    CudaLibrary::Absent("CUDA libtorch is loaded this way on Linux only".into())
}

/// The path of a shared library mapped into this process whose file name is `name`, from /proc/self/maps.
pub fn mapped_path(name: &str) -> Option<PathBuf> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines()
        .filter_map(|line| line.split_whitespace().nth(5))
        .map(PathBuf::from)
        .find(|p| p.file_name().is_some_and(|f| f == name))
}

/// One GPU as the NVIDIA driver describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Gpu {
    pub index: usize,
    pub name: String,
    /// Total memory in bytes.
    pub memory: u64,
    /// Compute capability (major, minor): 8.0 and up has bf16 tensor cores (A100, H100, RTX 30xx…).
    pub capability: (i32, i32),
}

/// The GPUs the NVIDIA driver sees, through its C API in `libcuda.so.1` (the driver's own library, present
/// wherever the driver is installed). An `Err` says, in words, why there are none to ask about.
#[cfg(target_os = "linux")]
pub fn driver_gpus() -> Result<Vec<Gpu>, String> {
    use libloading::{Library, Symbol};
    use std::os::raw::{c_char, c_int, c_uint};
    type Status = c_int; // CUresult: 0 is success
    // SAFETY: the driver API's entry points below have had these C signatures since CUDA 3.2.
    unsafe {
        let lib = Library::new("libcuda.so.1").map_err(|_| {
            "no NVIDIA driver: libcuda.so.1 is not installed (no GPU here, or no driver)"
                .to_string()
        })?;
        let sym = |name: &str| format!("the driver lacks {name}");
        let init: Symbol<unsafe extern "C" fn(c_uint) -> Status> =
            lib.get(b"cuInit").map_err(|_| sym("cuInit"))?;
        let count: Symbol<unsafe extern "C" fn(*mut c_int) -> Status> = lib
            .get(b"cuDeviceGetCount")
            .map_err(|_| sym("cuDeviceGetCount"))?;
        let get: Symbol<unsafe extern "C" fn(*mut c_int, c_int) -> Status> =
            lib.get(b"cuDeviceGet").map_err(|_| sym("cuDeviceGet"))?;
        let get_name: Symbol<unsafe extern "C" fn(*mut c_char, c_int, c_int) -> Status> = lib
            .get(b"cuDeviceGetName")
            .map_err(|_| sym("cuDeviceGetName"))?;
        let total_mem: Symbol<unsafe extern "C" fn(*mut usize, c_int) -> Status> = lib
            .get(b"cuDeviceTotalMem_v2")
            .map_err(|_| sym("cuDeviceTotalMem_v2"))?;
        let attribute: Symbol<unsafe extern "C" fn(*mut c_int, c_int, c_int) -> Status> = lib
            .get(b"cuDeviceGetAttribute")
            .map_err(|_| sym("cuDeviceGetAttribute"))?;
        let status = init(0);
        if status != 0 {
            return Err(format!(
                "the NVIDIA driver failed to start (cuInit error {status})"
            ));
        }
        let mut n: c_int = 0;
        if count(&mut n) != 0 {
            return Err("the NVIDIA driver could not count its GPUs".into());
        }
        let mut gpus = Vec::new();
        for ordinal in 0..n {
            let mut device: c_int = 0; // CUdevice, the driver's handle for GPU number `ordinal`
            if get(&mut device, ordinal) != 0 {
                return Err(format!("the NVIDIA driver could not open GPU {ordinal}"));
            }
            let mut name = [0 as c_char; 256];
            let mut memory = 0usize;
            let (mut major, mut minor) = (0, 0);
            get_name(name.as_mut_ptr(), name.len() as c_int, device);
            total_mem(&mut memory, device);
            attribute(&mut major, 75, device); // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR
            attribute(&mut minor, 76, device); // CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR
            gpus.push(Gpu {
                index: ordinal as usize,
                name: std::ffi::CStr::from_ptr(name.as_ptr())
                    .to_string_lossy()
                    .into_owned(),
                memory: memory as u64,
                capability: (major, minor),
            });
        }
        if gpus.is_empty() {
            return Err("the NVIDIA driver is installed but sees no GPU".into());
        }
        Ok(gpus)
    }
}

#[cfg(not(target_os = "linux"))]
pub fn driver_gpus() -> Result<Vec<Gpu>, String> {
    Err("CUDA GPUs are looked for on Linux only".into())
}

/// The shared libraries an ELF executable asks the dynamic loader for (its `DT_NEEDED` entries), in order:
/// what `readelf -d` lists as NEEDED.
pub fn needed_libraries(executable: &Path) -> anyhow::Result<Vec<String>> {
    use anyhow::Context;
    use object::read::elf::FileHeader;
    let data = std::fs::read(executable)
        .with_context(|| format!("cannot read {}", executable.display()))?;
    let not_elf = || format!("{} is not a 64-bit ELF file", executable.display());
    let header =
        object::elf::FileHeader64::<object::Endianness>::parse(&*data).with_context(not_elf)?;
    let endian = header.endian().with_context(not_elf)?;
    let table = header
        .sections(endian, &*data)
        .and_then(|sections| sections.dynamic_table(endian, &*data))
        .with_context(not_elf)?;
    table
        .iter()
        .filter(|entry| entry.tag == object::elf::DT_NEEDED)
        .map(|entry| {
            Ok(String::from_utf8_lossy(table.string(entry).with_context(not_elf)?).into_owned())
        })
        .collect()
}
