"""Images: the raster pictures pages show, made fit for readers (responsive sizes in modern
formats, no location or device data, orientation applied) and kept in the build cache.

codec (the only module here that knows Pillow: reading, checking and encoding), plan (which
files each picture gets and what they are called), store (the content-addressed folder of the
build cache) and work (what the engine calls: survey the pictures of a linked Site, then make
their files). site.yaml's `images:` is read by image_settings.py; pages show the pictures
through outputs/pictures.py; docs/images.md says more. May import content/ (reading media
files safely), markdown/ (body types), model.py and the base modules.
"""
