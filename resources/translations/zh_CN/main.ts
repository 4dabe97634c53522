<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
    <context>
        <name>CompareView</name>
        <message>
            <source>Fit</source>
            <translation>适合窗口</translation>
        </message>
        <message>
            <source>Show the whole image</source>
            <translation>显示整张图像</translation>
        </message>
        <message>
            <source>100%</source>
            <translation>100%</translation>
        </message>
        <message>
            <source>One image pixel per screen pixel</source>
            <translation>一个图像像素对应一个屏幕像素</translation>
        </message>
        <message>
            <source>Zoom in</source>
            <translation>放大</translation>
        </message>
        <message>
            <source>Enlarge the view (or turn the mouse wheel)</source>
            <translation>放大视图（或滚动鼠标滚轮）</translation>
        </message>
        <message>
            <source>Zoom out</source>
            <translation>缩小</translation>
        </message>
        <message>
            <source>Shrink the view (or turn the mouse wheel)</source>
            <translation>缩小视图（或滚动鼠标滚轮）</translation>
        </message>
        <message>
            <source>Side by side</source>
            <translation>并排对比</translation>
        </message>
        <message>
            <source>Show before and after next to each other, zoomed and panned together</source>
            <translation>并排显示修复前后，两侧同步缩放和平移</translation>
        </message>
        <message>
            <source>Before</source>
            <translation>修复前</translation>
        </message>
        <message>
            <source>After</source>
            <translation>修复后</translation>
        </message>
        <message>
            <source>Drop a photo here, open one with Ctrl+O or paste one with Ctrl+V.</source>
            <translation>将照片拖放到这里，或按 Ctrl+O 打开、按 Ctrl+V 粘贴。</translation>
        </message>
        <message>
            <source>Drag the white line to compare; drag elsewhere to pan; the wheel zooms</source>
            <translation>拖动白线进行对比；在其他位置拖动可平移；滚轮可缩放</translation>
        </message>
    </context>
    <context>
        <name>DetectorDownload</name>
        <message>
            <source>unknown size</source>
            <translation>大小未知</translation>
        </message>
        <message>
            <source>Download the detector?</source>
            <translation>下载检测器？</translation>
        </message>
        <message>
            <source>%1 needs its weights (%2) from
%3
They are downloaded once into %4 and checked. Download them now?</source>
            <translation>%1 需要从以下地址下载权重文件（%2）：
%3
只需下载一次，文件保存到 %4 并经过校验。现在下载吗？</translation>
        </message>
        <message>
            <source>Downloading %1…</source>
            <translation>正在下载 %1…</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
    </context>
    <context>
        <name>FaceEntry</name>
        <message>
            <source>Upscaled only: larger than the %1-px model</source>
            <translation>仅放大：大于 %1 像素的模型输入</translation>
        </message>
        <message>
            <source>Restoring it would first shrink it to the model's face size, which can lose detail. Restore it anyway with the button, or use a model with a larger input</source>
            <translation>修复前需先把它缩小到模型的人脸尺寸，可能损失细节。可用此按钮仍然修复，或改用输入更大的模型</translation>
        </message>
        <message>
            <source>Restore this face</source>
            <translation>修复这张脸</translation>
        </message>
        <message>
            <source>Restore this face alone, shrunk to the model's input; the other faces are kept as they are</source>
            <translation>只修复这张脸（缩小到模型的输入尺寸）；其他人脸保持不变</translation>
        </message>
        <message>
            <source>Face %1</source>
            <translation>人脸 %1</translation>
        </message>
        <message>
            <source>Untick to keep this face as it was (the model is not run again); detector score %1</source>
            <translation>取消勾选可保留这张脸的原样（不会再次运行模型）；检测置信度 %1</translation>
        </message>
        <message>
            <source>This face is larger than the model's input, so it was upscaled with the background instead of being restored</source>
            <translation>这张脸比模型的输入尺寸更大，因此随背景一起放大，而没有进行修复</translation>
        </message>
        <message>
            <source>Before</source>
            <translation>修复前</translation>
        </message>
        <message>
            <source>After</source>
            <translation>修复后</translation>
        </message>
        <message>
            <source>%1: click to zoom the view to this face</source>
            <translation>%1：点击可将视图缩放到这张脸</translation>
        </message>
    </context>
    <context>
        <name>FaceStrip</name>
        <message>
            <source>No face was found: only the background was upscaled.</source>
            <translation>未找到人脸：只放大了背景。</translation>
        </message>
        <message>
            <source>The faces found in the photo appear here.</source>
            <translation>照片中找到的人脸会显示在这里。</translation>
        </message>
        <message>
            <source>Each detected face before and after; untick a face to keep its original</source>
            <translation>每张检测到的人脸的修复前后对比；取消勾选可保留原样</translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <source>Close FaceSR Studio</source>
            <translation>关闭 FaceSR Studio</translation>
        </message>
        <message>
            <source>A training run is in progress. Stop it and close the window?</source>
            <translation>训练正在进行。要停止它并关闭窗口吗？</translation>
        </message>
        <message>
            <source>The run saves a checkpoint first (a few seconds); Resume in the Train tab continues it later.</source>
            <translation>训练会先保存检查点（需要几秒钟）；之后可在“训练”页点击“继续”接着训练。</translation>
        </message>
        <message>
            <source>Stop and close</source>
            <translation>停止并关闭</translation>
        </message>
        <message>
            <source>Stopping: saving a checkpoint…</source>
            <translation>正在停止：保存检查点…</translation>
        </message>
        <message>
            <source>Closing FaceSR Studio</source>
            <translation>正在关闭 FaceSR Studio</translation>
        </message>
        <message>
            <source>The new model is in the model lists; the Restore tab uses it now.</source>
            <translation>新模型已加入模型列表；“修复”页现在使用它。</translation>
        </message>
        <message>
            <source>Restore</source>
            <translation>修复</translation>
        </message>
        <message>
            <source>Batch</source>
            <translation>批处理</translation>
        </message>
        <message>
            <source>Train</source>
            <translation>训练</translation>
        </message>
        <message>
            <source>The new model is in the model lists.</source>
            <translation>新模型已加入模型列表。</translation>
        </message>
        <message>
            <source>About FaceSR Studio</source>
            <translation>关于 FaceSR Studio</translation>
        </message>
        <message>
            <source>&lt;h3&gt;FaceSR Studio&lt;/h3&gt;&lt;p&gt;Restores faces in photos with GAN-trained generators and trains those generators.&lt;/p&gt;&lt;p&gt;Drop a photo to restore it, a folder to restore all its photos.&lt;/p&gt;</source>
            <translation>&lt;h3&gt;FaceSR Studio&lt;/h3&gt;&lt;p&gt;使用 GAN 训练的生成器修复照片中的人脸，也可以训练这些生成器。&lt;/p&gt;&lt;p&gt;拖入一张照片即可修复；拖入一个文件夹即可修复其中的所有照片。&lt;/p&gt;</translation>
        </message>
        <message>
            <source>Stopping the work in progress…</source>
            <translation>正在停止进行中的任务…</translation>
        </message>
        <message>
            <source>FaceSR Studio</source>
            <translation>FaceSR Studio</translation>
        </message>
        <message>
            <source>Restore one photo at a time and compare before and after (Alt+1)</source>
            <translation>逐张修复照片并对比修复前后（Alt+1）</translation>
        </message>
        <message>
            <source>Restore every photo in a folder (Alt+2)</source>
            <translation>修复文件夹中的所有照片（Alt+2）</translation>
        </message>
        <message>
            <source>Train your own face restoration model (Alt+3)</source>
            <translation>训练你自己的人脸修复模型（Alt+3）</translation>
        </message>
        <message>
            <source>&amp;File</source>
            <translation>文件(&amp;F)</translation>
        </message>
        <message>
            <source>&amp;Restore</source>
            <translation>修复(&amp;R)</translation>
        </message>
        <message>
            <source>&amp;View</source>
            <translation>视图(&amp;V)</translation>
        </message>
        <message>
            <source>&amp;Tools</source>
            <translation>工具(&amp;T)</translation>
        </message>
        <message>
            <source>&amp;Help</source>
            <translation>帮助(&amp;H)</translation>
        </message>
        <message>
            <source>Toolbar</source>
            <translation>工具栏</translation>
        </message>
        <message>
            <source>&amp;Models…</source>
            <translation>模型(&amp;M)…</translation>
        </message>
        <message>
            <source>Installed models: import, details, default</source>
            <translation>已安装的模型：导入、详情、默认模型</translation>
        </message>
        <message>
            <source>&amp;Settings…</source>
            <translation>设置(&amp;S)…</translation>
        </message>
        <message>
            <source>Language and other preferences</source>
            <translation>语言及其他偏好设置</translation>
        </message>
        <message>
            <source>&amp;Quit</source>
            <translation>退出(&amp;Q)</translation>
        </message>
        <message>
            <source>Stop all work and close the application</source>
            <translation>停止所有任务并关闭程序</translation>
        </message>
        <message>
            <source>&amp;About</source>
            <translation>关于(&amp;A)</translation>
        </message>
    </context>
    <context>
        <name>ModelsDialog</name>
        <message>
            <source>about %1</source>
            <translation>约 %1</translation>
        </message>
        <message>
            <source>faces, 512 px: natural results on ordinary photos</source>
            <translation>人脸，512 像素：普通照片效果自然</translation>
        </message>
        <message>
            <source>faces, 512 px: heavy damage; fidelity slider</source>
            <translation>人脸，512 像素：适合严重退化；带保真度滑块</translation>
        </message>
        <message>
            <source>background: sharp upscaling (slow on a CPU)</source>
            <translation>背景：清晰放大（CPU 上较慢）</translation>
        </message>
        <message>
            <source>background: small and fast</source>
            <translation>背景：小巧快速</translation>
        </message>
        <message>
            <source>installed</source>
            <translation>已安装</translation>
        </message>
        <message>
            <source>not downloaded</source>
            <translation>未下载</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Installed</source>
            <translation>已安装</translation>
        </message>
        <message>
            <source>Download</source>
            <translation>下载</translation>
        </message>
        <message>
            <source>Stop downloading %1 (nothing is kept)</source>
            <translation>停止下载 %1（不保留任何数据）</translation>
        </message>
        <message>
            <source>Download %1 into %2 (the licence is shown first)</source>
            <translation>将 %1 下载到 %2（先显示许可证）</translation>
        </message>
        <message>
            <source>Another download is running: wait for it or cancel it.</source>
            <translation>另一个下载正在进行：请等待它完成或取消它。</translation>
        </message>
        <message>
            <source>unknown size</source>
            <translation>大小未知</translation>
        </message>
        <message>
            <source>%1

Licence: %2
Size: %3
From: %4
Into: %5

The file is checked against its published SHA-256 before it is used. Download it now?</source>
            <translation>%1

许可证：%2
大小：%3
来源：%4
保存到：%5

文件在使用前会按其公布的 SHA-256 校验。现在下载吗？</translation>
        </message>
        <message>
            <source>Download %1?</source>
            <translation>下载 %1？</translation>
        </message>
        <message>
            <source>Connecting to download %1…</source>
            <translation>正在连接以下载 %1…</translation>
        </message>
        <message>
            <source>Cancelling the download…</source>
            <translation>正在取消下载…</translation>
        </message>
        <message>
            <source>%1: %2 of %3 at %4, %5 left</source>
            <translation>%1：%2 / %3，速度 %4，剩余 %5</translation>
        </message>
        <message>
            <source>%1 is installed: it is now in the model lists.</source>
            <translation>%1 已安装：现已出现在模型列表中。</translation>
        </message>
        <message>
            <source>The download failed</source>
            <translation>下载失败</translation>
        </message>
        <message>
            <source>The download of %1 was cancelled; nothing was kept.</source>
            <translation>%1 的下载已取消，未保留任何数据。</translation>
        </message>
        <message>
            <source>Get more models</source>
            <translation>获取更多模型</translation>
        </message>
        <message>
            <source>For</source>
            <translation>用途</translation>
        </message>
        <message>
            <source>Size</source>
            <translation>大小</translation>
        </message>
        <message>
            <source>Progress</source>
            <translation>进度</translation>
        </message>
        <message>
            <source>The established restorers, downloaded from their official releases only when you ask, and checked against their published SHA-256</source>
            <translation>成熟的修复模型：仅在您要求时从官方发布处下载，并按其公布的 SHA-256 校验</translation>
        </message>
        <message>
            <source>Downloads go to %1.</source>
            <translation>下载保存到 %1。</translation>
        </message>
        <message>
            <source>Reading the installed models…</source>
            <translation>正在读取已安装的模型…</translation>
        </message>
        <message>
            <source>%1 model(s) in %2 and %3</source>
            <translation>%2 和 %3 中共有 %1 个模型</translation>
        </message>
        <message>
            <source>No model is installed yet: import one, or train one in the Train tab.</source>
            <translation>尚未安装任何模型：请导入一个，或在“训练”页训练一个。</translation>
        </message>
        <message>
            <source>unusable</source>
            <translation>不可用</translation>
        </message>
        <message>
            <source> (default)</source>
            <translation>（默认）</translation>
        </message>
        <message>
            <source>face</source>
            <translation>人脸</translation>
        </message>
        <message>
            <source>whole image</source>
            <translation>整张图像</translation>
        </message>
        <message>
            <source>Architecture</source>
            <translation>架构</translation>
        </message>
        <message>
            <source>Kind</source>
            <translation>类型</translation>
        </message>
        <message>
            <source>face restoration (aligned face crops)</source>
            <translation>人脸修复（对齐后的人脸裁剪图）</translation>
        </message>
        <message>
            <source>super-resolution of whole images (usable as the background upscaler)</source>
            <translation>整图超分辨率（可用作背景放大器）</translation>
        </message>
        <message>
            <source>Scale</source>
            <translation>放大倍数</translation>
        </message>
        <message>
            <source>Input size</source>
            <translation>输入尺寸</translation>
        </message>
        <message>
            <source>any</source>
            <translation>任意</translation>
        </message>
        <message>
            <source>Parameters</source>
            <translation>参数量</translation>
        </message>
        <message>
            <source>Fidelity weight</source>
            <translation>保真度权重</translation>
        </message>
        <message>
            <source>yes</source>
            <translation>是</translation>
        </message>
        <message>
            <source>no</source>
            <translation>否</translation>
        </message>
        <message>
            <source>Licence</source>
            <translation>许可证</translation>
        </message>
        <message>
            <source>not stated in the file: check where it came from</source>
            <translation>文件中未注明：请查看其来源</translation>
        </message>
        <message>
            <source>File</source>
            <translation>文件</translation>
        </message>
        <message>
            <source>Description</source>
            <translation>说明</translation>
        </message>
        <message>
            <source>Training: %1</source>
            <translation>训练：%1</translation>
        </message>
        <message>
            <source>Import a model</source>
            <translation>导入模型</translation>
        </message>
        <message>
            <source>Model files (%1)</source>
            <translation>模型文件 (%1)</translation>
        </message>
        <message>
            <source>Name taken</source>
            <translation>名称已被占用</translation>
        </message>
        <message>
            <source>A model called %1 is already installed. Name for the imported model:</source>
            <translation>已安装名为 %1 的模型。请为导入的模型输入一个名称：</translation>
        </message>
        <message>
            <source>Checking and importing %1…</source>
            <translation>正在检查并导入 %1…</translation>
        </message>
        <message>
            <source>The default was not changed</source>
            <translation>默认模型未更改</translation>
        </message>
        <message>
            <source>Model error</source>
            <translation>模型错误</translation>
        </message>
        <message>
            <source>Models</source>
            <translation>模型</translation>
        </message>
        <message>
            <source>Name</source>
            <translation>名称</translation>
        </message>
        <message>
            <source>&amp;Import…</source>
            <translation>导入(&amp;I)…</translation>
        </message>
        <message>
            <source>Copy a .pth, .ckpt or .safetensors model into your model folder after checking that it loads (Ctrl+I)</source>
            <translation>检查模型能否加载后，将 .pth、.ckpt 或 .safetensors 模型复制到你的模型文件夹（Ctrl+I）</translation>
        </message>
        <message>
            <source>Set as &amp;default</source>
            <translation>设为默认(&amp;D)</translation>
        </message>
        <message>
            <source>Use the selected face model when none is chosen (Ctrl+D)</source>
            <translation>未指定模型时使用所选的人脸模型（Ctrl+D）</translation>
        </message>
        <message>
            <source>Open &amp;folder</source>
            <translation>打开文件夹(&amp;F)</translation>
        </message>
        <message>
            <source>Show your model folder in the file manager</source>
            <translation>在文件管理器中显示你的模型文件夹</translation>
        </message>
        <message>
            <source>Installed models; red rows cannot be used (hover for the reason)</source>
            <translation>已安装的模型；红色的行无法使用（将鼠标悬停其上可查看原因）</translation>
        </message>
    </context>
    <context>
        <name>RestoreOptions</name>
        <message>
            <source>%1 (not downloaded, %2)</source>
            <translation>%1（未下载，%2）</translation>
        </message>
        <message>
            <source>%1; licence: %2. Choose it to download it.</source>
            <translation>%1；许可证：%2。选择它即可下载。</translation>
        </message>
        <message>
            <source>Also restore lar&amp;ger faces</source>
            <translation>也修复较大的人脸(&amp;G)</translation>
        </message>
        <message>
            <source>Also restore faces larger than the model input. They must be shrunk to the model's face size first, which can lose detail; unticked, they are upscaled with the background instead</source>
            <translation>也修复大于模型输入的人脸。这些人脸需先缩小到模型的人脸尺寸，可能损失细节；不勾选时，它们随背景一起放大</translation>
        </message>
        <message>
            <source>Background super-resolution model</source>
            <translation>背景超分辨率模型</translation>
        </message>
        <message>
            <source>Model files (*.pth *.safetensors *.ckpt *.pt)</source>
            <translation>模型文件 (*.pth *.safetensors *.ckpt *.pt)</translation>
        </message>
        <message>
            <source>&amp;Model:</source>
            <translation>模型(&amp;M)：</translation>
        </message>
        <message>
            <source>&amp;Upscale:</source>
            <translation>放大(&amp;U)：</translation>
        </message>
        <message>
            <source>B&amp;lend:</source>
            <translation>混合(&amp;L)：</translation>
        </message>
        <message>
            <source>Fidelit&amp;y:</source>
            <translation>保真度(&amp;Y)：</translation>
        </message>
        <message>
            <source>&amp;Detector:</source>
            <translation>检测器(&amp;D)：</translation>
        </message>
        <message>
            <source>Bac&amp;kground:</source>
            <translation>背景(&amp;K)：</translation>
        </message>
        <message>
            <source>Dev&amp;ice:</source>
            <translation>设备(&amp;I)：</translation>
        </message>
        <message>
            <source>Models…</source>
            <translation>模型…</translation>
        </message>
        <message>
            <source>Import, inspect and choose the default face model (Ctrl+M)</source>
            <translation>导入、查看并选择默认的人脸模型（Ctrl+M）</translation>
        </message>
        <message>
            <source>No face model installed</source>
            <translation>未安装人脸模型</translation>
        </message>
        <message>
            <source>The face restoration model: %1, %2 px faces, %3 parameters</source>
            <translation>人脸修复模型：%1，%2 像素人脸，%3 个参数</translation>
        </message>
        <message>
            <source>No face model is installed: import one with Models… or train one in the Train tab</source>
            <translation>未安装人脸模型：请通过“模型…”导入一个，或在“训练”页训练一个</translation>
        </message>
        <message>
            <source>How many times larger the whole photo becomes</source>
            <translation>整张照片放大的倍数</translation>
        </message>
        <message>
            <source>0% keeps the original faces, 100% uses the restored faces; changes at once, without running the model</source>
            <translation>0% 保留原始人脸，100% 使用修复后的人脸；立即生效，无需重新运行模型</translation>
        </message>
        <message>
            <source>This model has no fidelity weight</source>
            <translation>此模型没有保真度权重</translation>
        </message>
        <message>
            <source>Quality (0) against faithfulness to the input (1); only for models that have this weight, such as CodeFormer</source>
            <translation>在质量 (0) 与忠实于输入 (1) 之间权衡；仅适用于带有此权重的模型，例如 CodeFormer</translation>
        </message>
        <message>
            <source>YuNet (built in)</source>
            <translation>YuNet（内置）</translation>
        </message>
        <message>
            <source>RetinaFace ResNet-50 (download, 104 MB)</source>
            <translation>RetinaFace ResNet-50（需下载，104 MB）</translation>
        </message>
        <message>
            <source>RetinaFace MobileNet (download, 1.7 MB)</source>
            <translation>RetinaFace MobileNet（需下载，1.7 MB）</translation>
        </message>
        <message>
            <source>Which face detector finds the faces; RetinaFace needs a one-time download and finds more small and turned faces</source>
            <translation>用于查找人脸的检测器；RetinaFace 需要一次性下载，能找到更多较小和侧转的人脸</translation>
        </message>
        <message>
            <source>Bicubic (plain upscaling)</source>
            <translation>双三次（普通放大）</translation>
        </message>
        <message>
            <source>Other model file…</source>
            <translation>其他模型文件…</translation>
        </message>
        <message>
            <source>How the photo around the faces is enlarged: plainly, or with a super-resolution model such as Real-ESRGAN</source>
            <translation>人脸以外区域的放大方式：普通放大，或使用 Real-ESRGAN 等超分辨率模型</translation>
        </message>
        <message>
            <source>Automatic</source>
            <translation>自动</translation>
        </message>
        <message>
            <source>CPU</source>
            <translation>CPU</translation>
        </message>
        <message>
            <source>GPU (CUDA)</source>
            <translation>GPU（CUDA）</translation>
        </message>
        <message>
            <source>Where the model runs; Automatic uses the GPU when there is one</source>
            <translation>模型运行的位置；“自动”会在有 GPU 时使用 GPU</translation>
        </message>
    </context>
    <context>
        <name>RestoreTab</name>
        <message>
            <source>Opening %1…</source>
            <translation>正在打开 %1…</translation>
        </message>
        <message>
            <source>%1: the Batch result %2 (right) against plain upscaling (left); Restore (F5) restores the photo here with these options</source>
            <translation>%1：批处理结果 %2（右）与普通放大（左）的对比；按“修复”(F5) 可用这里的选项重新修复这张照片</translation>
        </message>
        <message>
            <source>: %1 larger than the %2-px model; tick “%3” or press “Restore this face”</source>
            <translation>：%1 张大于 %2 像素的模型输入；勾选“%3”或点击“修复这张脸”</translation>
        </message>
        <message>
            <source>: %1 larger than the %2-px model; tick “%3” or use a %4-px model such as %5</source>
            <translation>：%1 张大于 %2 像素的模型输入；勾选“%3”，或使用 %4 像素的模型，例如 %5</translation>
        </message>
        <message>
            <source>Restoring face %1…</source>
            <translation>正在修复人脸 %1…</translation>
        </message>
        <message>
            <source>Open photos</source>
            <translation>打开照片</translation>
        </message>
        <message>
            <source>Images (%1)</source>
            <translation>图像 (%1)</translation>
        </message>
        <message>
            <source>Not opened (not an image file): %1</source>
            <translation>未打开（不是图像文件）：%1</translation>
        </message>
        <message>
            <source>pasted image</source>
            <translation>粘贴的图像</translation>
        </message>
        <message>
            <source>The clipboard holds no image.</source>
            <translation>剪贴板中没有图像。</translation>
        </message>
        <message>
            <source>No face model is installed</source>
            <translation>未安装人脸模型</translation>
        </message>
        <message>
            <source>Import a model with Models… (Ctrl+M), for example GFPGANv1.4.pth, or train one in the Train tab and press “Use this model”.</source>
            <translation>请通过“模型…”（Ctrl+M）导入一个模型，例如 GFPGANv1.4.pth；或在“训练”页训练一个模型，然后点击“使用此模型”。</translation>
        </message>
        <message>
            <source>Restoring %1…</source>
            <translation>正在修复 %1…</translation>
        </message>
        <message>
            <source>detect</source>
            <translation>检测</translation>
        </message>
        <message>
            <source>align</source>
            <translation>对齐</translation>
        </message>
        <message>
            <source>restore</source>
            <translation>修复</translation>
        </message>
        <message>
            <source>mask</source>
            <translation>蒙版</translation>
        </message>
        <message>
            <source>background</source>
            <translation>背景</translation>
        </message>
        <message>
            <source>paste</source>
            <translation>贴回</translation>
        </message>
        <message>
            <source>%1 %2 s</source>
            <translation>%1 %2 秒</translation>
        </message>
        <message>
            <source>%1: %2 face(s) found, %3 restored</source>
            <translation>%1：找到 %2 张人脸，已修复 %3 张</translation>
        </message>
        <message>
            <source>Cancelling…</source>
            <translation>正在取消…</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>取消</translation>
        </message>
        <message>
            <source>Downloading…</source>
            <translation>正在下载…</translation>
        </message>
        <message>
            <source>%1 is installed.</source>
            <translation>%1 已安装。</translation>
        </message>
        <message>
            <source>Save the restored photo</source>
            <translation>保存修复后的照片</translation>
        </message>
        <message>
            <source>Replace the file?</source>
            <translation>替换文件？</translation>
        </message>
        <message>
            <source>%1 already exists. Replace it?</source>
            <translation>%1 已存在。要替换它吗？</translation>
        </message>
        <message>
            <source>Replace the original?</source>
            <translation>替换原始照片？</translation>
        </message>
        <message>
            <source>%1 is the original photo. Replacing it loses the original for good. Replace it?</source>
            <translation>%1 是原始照片。替换后原图将永久丢失。确定要替换吗？</translation>
        </message>
        <message>
            <source>Saving %1…</source>
            <translation>正在保存 %1…</translation>
        </message>
        <message>
            <source>Saved %1 (JPEG cannot keep transparency)</source>
            <translation>已保存 %1（JPEG 无法保留透明度）</translation>
        </message>
        <message>
            <source>Saved %1</source>
            <translation>已保存 %1</translation>
        </message>
        <message>
            <source>Loading the model…</source>
            <translation>正在加载模型…</translation>
        </message>
        <message>
            <source>Preparing the model for this computer (only the first time)…</source>
            <translation>正在为本机准备模型（仅首次）…</translation>
        </message>
        <message>
            <source>Restoring faces…</source>
            <translation>正在修复人脸…</translation>
        </message>
        <message>
            <source>The photo could not be restored</source>
            <translation>无法修复这张照片</translation>
        </message>
        <message>
            <source>The photo could not be opened</source>
            <translation>无法打开这张照片</translation>
        </message>
        <message>
            <source>Finding faces…</source>
            <translation>正在查找人脸…</translation>
        </message>
        <message>
            <source>Restoring faces: %1 of %2 done…</source>
            <translation>正在修复人脸：已完成 %1 / %2…</translation>
        </message>
        <message>
            <source>Upscaling the background…</source>
            <translation>正在放大背景…</translation>
        </message>
        <message>
            <source>Pasting the faces in…</source>
            <translation>正在贴回人脸…</translation>
        </message>
        <message>
            <source>The photo was not saved</source>
            <translation>照片未保存</translation>
        </message>
        <message>
            <source>The download failed</source>
            <translation>下载失败</translation>
        </message>
        <message>
            <source>The models could not be read</source>
            <translation>无法读取模型</translation>
        </message>
        <message>
            <source>Error</source>
            <translation>错误</translation>
        </message>
        <message>
            <source>Cancelled.</source>
            <translation>已取消。</translation>
        </message>
        <message>
            <source>Options</source>
            <translation>选项</translation>
        </message>
        <message>
            <source>&amp;Restore</source>
            <translation>修复(&amp;R)</translation>
        </message>
        <message>
            <source>Run the model on the current photo with these options (F5)</source>
            <translation>使用这些选项对当前照片运行模型（F5）</translation>
        </message>
        <message>
            <source>Stop the work in progress (Esc)</source>
            <translation>停止进行中的任务（Esc）</translation>
        </message>
        <message>
            <source>Ph&amp;oto:</source>
            <translation>照片(&amp;O)：</translation>
        </message>
        <message>
            <source>R&amp;estore</source>
            <translation>修复(&amp;E)</translation>
        </message>
        <message>
            <source>The opened photos (Alt+Left / Alt+Right: previous / next)</source>
            <translation>已打开的照片（Alt+左方向键 / Alt+右方向键：上一张 / 下一张）</translation>
        </message>
        <message>
            <source>&amp;Open…</source>
            <translation>打开(&amp;O)…</translation>
        </message>
        <message>
            <source>Open one or several photos</source>
            <translation>打开一张或多张照片</translation>
        </message>
        <message>
            <source>&amp;Paste</source>
            <translation>粘贴(&amp;P)</translation>
        </message>
        <message>
            <source>Restore an image from the clipboard</source>
            <translation>修复剪贴板中的图像</translation>
        </message>
        <message>
            <source>&amp;Save</source>
            <translation>保存(&amp;S)</translation>
        </message>
        <message>
            <source>Save the restored photo (next to the original, with “_restored” added to its name)</source>
            <translation>保存修复后的照片（保存在原图旁边，文件名后加上“_restored”）</translation>
        </message>
        <message>
            <source>Save &amp;As…</source>
            <translation>另存为(&amp;A)…</translation>
        </message>
        <message>
            <source>Save the restored photo under a name and format of your choice</source>
            <translation>以自选的名称和格式保存修复后的照片</translation>
        </message>
        <message>
            <source>Run the model on the current photo</source>
            <translation>对当前照片运行模型</translation>
        </message>
        <message>
            <source>&amp;Cancel</source>
            <translation>取消(&amp;C)</translation>
        </message>
        <message>
            <source>Stop the work in progress</source>
            <translation>停止进行中的任务</translation>
        </message>
        <message>
            <source>Pre&amp;vious photo</source>
            <translation>上一张照片(&amp;V)</translation>
        </message>
        <message>
            <source>Show the previous opened photo</source>
            <translation>显示上一张已打开的照片</translation>
        </message>
        <message>
            <source>&amp;Next photo</source>
            <translation>下一张照片(&amp;N)</translation>
        </message>
        <message>
            <source>Show the next opened photo</source>
            <translation>显示下一张已打开的照片</translation>
        </message>
    </context>
    <context>
        <name>SettingsDialog</name>
        <message>
            <source>Default output &amp;folder:</source>
            <translation>默认输出文件夹(&amp;F)：</translation>
        </message>
        <message>
            <source>&amp;Device:</source>
            <translation>设备(&amp;D)：</translation>
        </message>
        <message>
            <source>CPU &amp;threads:</source>
            <translation>CPU 线程数(&amp;T)：</translation>
        </message>
        <message>
            <source>CPU &amp;precision:</source>
            <translation>CPU 计算精度(&amp;P)：</translation>
        </message>
        <message>
            <source>Fastest (bfloat16 or ONNX Runtime where measured faster)</source>
            <translation>最快（实测更快时使用 bfloat16 或 ONNX Runtime）</translation>
        </message>
        <message>
            <source>Exact (float32)</source>
            <translation>精确（float32）</translation>
        </message>
        <message>
            <source>Fastest: the default model computes in bfloat16 on processors that have it (2.6 times as fast, results within 1/255) and the large models run through ONNX Runtime. Exact: plain PyTorch float32, as training and evaluation compute</source>
            <translation>最快：在支持 bfloat16 的处理器上，默认模型以 bfloat16 计算（快 2.6 倍，结果相差不超过 1/255），大型模型通过 ONNX Runtime 运行。精确：纯 PyTorch float32，与训练和评估的计算方式相同</translation>
        </message>
        <message>
            <source>&amp;Models folder:</source>
            <translation>模型文件夹(&amp;M)：</translation>
        </message>
        <message>
            <source>Training &amp;runs folder:</source>
            <translation>训练记录文件夹(&amp;R)：</translation>
        </message>
        <message>
            <source>Default folder for restored photos</source>
            <translation>修复后照片的默认文件夹</translation>
        </message>
        <message>
            <source>empty: beside each photo; a batch: &lt;input&gt;/restored</source>
            <translation>留空：保存在每张照片旁边；批处理：&lt;输入&gt;/restored</translation>
        </message>
        <message>
            <source>Where Save in the Restore tab writes, and the output folder proposed for a new batch</source>
            <translation>“修复”页保存时写入的位置，以及新批处理建议的输出文件夹</translation>
        </message>
        <message>
            <source>Automatic (the GPU when there is one)</source>
            <translation>自动（有 GPU 时使用 GPU）</translation>
        </message>
        <message>
            <source>CPU</source>
            <translation>CPU</translation>
        </message>
        <message>
            <source>GPU (CUDA)</source>
            <translation>GPU（CUDA）</translation>
        </message>
        <message>
            <source>Where training runs started in the Train tab run, and the Restore and Batch device until you choose one there</source>
            <translation>“训练”页所启动训练使用的设备，也是“修复”和“批处理”页在您另行选择之前使用的设备</translation>
        </message>
        <message>
            <source>Automatic</source>
            <translation>自动</translation>
        </message>
        <message>
            <source>How many CPU threads restoring and training may use (this computer has %1); fewer leave room for other work</source>
            <translation>修复和训练可以使用的 CPU 线程数（本机有 %1 个）；较少的线程可为其他工作留出余地</translation>
        </message>
        <message>
            <source>Imported models and models added from training runs</source>
            <translation>导入的模型以及从训练添加的模型</translation>
        </message>
        <message>
            <source>New training runs, with their checkpoints, curves and samples</source>
            <translation>新的训练记录，包括检查点、曲线和样例</translation>
        </message>
        <message>
            <source>Open</source>
            <translation>打开</translation>
        </message>
        <message>
            <source>Show this folder in the file manager</source>
            <translation>在文件管理器中显示此文件夹</translation>
        </message>
        <message>
            <source>Cannot open the folder</source>
            <translation>无法打开文件夹</translation>
        </message>
        <message>
            <source>%1: no file manager could be started; open it yourself</source>
            <translation>%1：无法启动文件管理器；请手动打开</translation>
        </message>
        <message>
            <source>Cannot use this output folder</source>
            <translation>无法使用此输出文件夹</translation>
        </message>
        <message>
            <source>%1: no such folder</source>
            <translation>%1：文件夹不存在</translation>
        </message>
        <message>
            <source>Settings</source>
            <translation>设置</translation>
        </message>
        <message>
            <source>&amp;Language:</source>
            <translation>语言(&amp;L)：</translation>
        </message>
        <message>
            <source>The language of the interface; it changes as soon as you press OK</source>
            <translation>界面语言；按“确定”后立即切换</translation>
        </message>
        <message>
            <source>Options of the Restore, Batch and Train tabs are remembered where you set them.</source>
            <translation>“修复”“批处理”和“训练”页的选项会在各自页面中自动记住。</translation>
        </message>
    </context>
</TS>
