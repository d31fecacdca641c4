// The Android library of mailwire: the Kotlin sources of kotlin/src/main and the
// libmailwire_ffi.so of each ABI (cargo ndk, see .github/workflows/release.yml) as an AAR.
// Built only by the release workflow; needs the Android SDK.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "android"
